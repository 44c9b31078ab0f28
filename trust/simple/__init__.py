"""The simple repository API (PEP 503 HTML, PEP 691 JSON): its model, parsing and rendering."""
