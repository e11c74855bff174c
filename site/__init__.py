"""The junxiu Django project (the `site/` folder, imported as `junxiu`)."""
