"""The window's AWS features that are more than a backend's settings: choosing videos that
are already in S3."""
