"""The staff page (static/: HTML, CSS, JavaScript) and the local server that hosts it with the API."""
