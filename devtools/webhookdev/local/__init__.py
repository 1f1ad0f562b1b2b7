"""The local stack: a moto server stands in for AWS, and this package executes what Terraform deployed into it.

`python -m webhookdev.local up|down|status` manages the stack. The pieces, one concern per module:

- `settings`: ports, paths and the region shared by every piece.
- `procs`: starting, watching and stopping processes (pid files, parent-death watchdog).
- `supervisor`, `moto_process`: the long-lived process tree behind `make up`.
- `terraform`: the `.local/tf` work dir that points the root module at moto, and `tofu apply`/`plan`.
- `seeding`, `tls`, `paypal_stub`: demo secrets and the local PayPal certificate host and IPN postback.
- `deployed`: reads back from moto what Terraform deployed (API Gateway and Lambda configuration).
- `artifacts`, `worker`, `functions`, `invoke_api`: the Lambda runtime and its Invoke API.
- `proxy`, `throttle`, `gateway`: the API Gateway runtime.
- `runtime`: the process that runs the gateway and the Invoke API together.
- `stack`: `up`, `down` and `status`.
"""
