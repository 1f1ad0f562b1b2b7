variable "create" {
  description = "Create the module's resources (false creates nothing; every output is then null)."
  type        = bool
  default     = true
}

variable "layer_name" {
  description = "Name of the layer (versions are numbered under it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,140}$", var.layer_name))
    error_message = "layer_name must be 1-140 characters of letters, digits, hyphens and underscores."
  }
}

variable "description" {
  description = "Description of the layer version."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "filename" {
  description = "Path to the layer zip (python/ at its root). Its sha256 decides whether a new version is published."
  type        = string
}

variable "compatible_runtimes" {
  description = "Runtimes the layer's wheels were built for (cp311 wheels: python3.11)."
  type        = list(string)
  default     = ["python3.11"]

  validation {
    condition     = length(var.compatible_runtimes) > 0 && alltrue([for r in var.compatible_runtimes : can(regex("^python3\\.[0-9]+$", r))])
    error_message = "compatible_runtimes must be a non-empty list of python3.x runtimes."
  }
}

variable "compatible_architectures" {
  description = "Architectures the layer's native wheels target. Only arm64: the wheels are manylinux2014_aarch64 (decision 18)."
  type        = list(string)
  default     = ["arm64"]

  validation {
    condition     = length(var.compatible_architectures) == 1 && alltrue([for a in var.compatible_architectures : a == "arm64"])
    error_message = "compatible_architectures must be [\"arm64\"]."
  }
}

variable "license_info" {
  description = "Optional SPDX licence identifier or URL for the layer contents."
  type        = string
  default     = null

  validation {
    condition     = var.license_info == null ? true : length(var.license_info) <= 512
    error_message = "license_info must be at most 512 characters."
  }
}

variable "skip_destroy" {
  description = "Keep superseded layer versions published (true) so older function configurations stay deployable for rollback."
  type        = bool
  default     = true
}
