"""The web application (issue 14): Japanese pages for staff, contractors, couriers and
auditors over the same `handover.actions` and `handover.reports` the CLI calls.

`web/` holds no domain logic: a page parses a form, establishes the acting person from the
session (their credential unlocked in server memory only), calls one action or report, and
renders the result or the refusal. `create_app` (web/app.py) builds the application;
`handover serve` (cli/serve.py) runs it with uvicorn.
"""
