"""Logging for `handover serve`: uvicorn's own access log is off (it prints query strings);
the application's (`web.access`, web/security.py) names method, path, status and time only."""

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "web.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
