"""FrameFan's desktop window (Qt). All processing lives in ``core``."""
