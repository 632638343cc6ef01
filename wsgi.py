import gc

from feedback_app import create_app

app = create_app()

# Everything made so far (models, routes, templates, translations) lives as long as the process: keep it out of
# later garbage collections, whose pauses otherwise land in the slowest requests.
gc.collect()
gc.freeze()
