"""The preview of one job: timeline with filmstrip, large frame view and snippet GIF."""
