"""gunicorn reads this file from the directory it is started in (the repository): production refuses to start
several workers while rate limits would be counted in each worker's own memory."""

from config import config_for
from feedback_app.ratelimit import refuse_unshared_workers


def on_starting(server):
    config = config_for()
    refuse_unshared_workers(config.ENV_NAME, server.cfg.workers, config.RATELIMIT_STORAGE_URI)
