"""Web base: layout, CSS, public home page and the staff area's navigation."""
