"""The pages, one module per subject; each exposes `routes`."""
