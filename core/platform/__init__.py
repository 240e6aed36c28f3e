"""Everything that differs between Linux, macOS and Windows, one module per concern."""
