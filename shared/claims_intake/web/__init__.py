"""The staff page (static/: HTML, CSS, JavaScript), published to S3 by `publish-page`."""

from importlib import resources

STATIC = resources.files(__name__).joinpath("static")
