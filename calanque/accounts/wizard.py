"""Where each first-sign-in step is served (URL names), shared by the views
and the middleware that brings users back to an unfinished step."""

STEP_URLS = {
    "charter": "accounts:charter",
    "otp": "accounts:activate_otp",
    "recovery_codes": "accounts:recovery_codes",
    "recovery_email": "accounts:recovery_email",
}
