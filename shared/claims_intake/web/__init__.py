"""The staff page (static/: HTML, CSS, JavaScript), published to S3 by `publish-page`."""

from importlib import resources

STATIC = resources.files(__name__).joinpath("static")
# Served at the site's root beside config.json: the staff page and the provider portal (its sibling page).
PAGES = ("index.html", "portal.html")
