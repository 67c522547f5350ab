"""一表通: confirm or correct the fields a data-verification task requests, pre-filled from the register."""
