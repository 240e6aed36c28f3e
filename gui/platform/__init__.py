"""The desktop app's per-system parts that need Qt: a display, one window per user, the file
manager, notifications, the application menu, files the system asks the app to open. Their
Qt-free halves, and every decision that depends on the system, are in core.platform."""
