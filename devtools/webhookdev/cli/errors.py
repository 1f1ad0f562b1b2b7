"""The one exception type commands raise, and the exit codes `webhookctl` documents."""

from __future__ import annotations

#: Everything worked and every HTTP response was 2xx.
EXIT_OK = 0
#: Configuration or environment problem (no stack.json, missing secret, AWS/network error).
EXIT_ERROR = 1
#: Bad command line (argparse's own convention).
EXIT_USAGE = 2
#: The command ran, but a request was answered with a non-2xx status or a DLQ message could not be redriven.
EXIT_REJECTED = 3


class CliError(Exception):
    """An error the user can act on: printed as one line, `webhookctl: error: <message>`."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code
