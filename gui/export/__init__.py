"""Getting work out of the window: drag-out and the clipboard, context menus, the Export
menu, the export dialogs and the progress of exports, all through core.export."""
