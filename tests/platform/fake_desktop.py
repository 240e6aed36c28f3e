"""The desktop's side of D-Bus for tests: a file manager, a notification server and a dock.

Run by the system's Python with GLib's bindings (python3-gi): ``python3 fake_desktop.py
ADDRESS SERVICE…``. It connects to the bus at ADDRESS, serves the interfaces of the named
services (``file-manager``, ``notifications``) as their specifications declare them, or
listens as a dock does (``launcher``: the Unity launcher API's ``Update`` signals), and
prints one JSON line per call or signal received, then ``READY`` once it is listening.
A signal's arguments are printed with their D-Bus types (``[type, value]`` for each
property), which docks check before they use them. GDBus
checks each call's arguments against the declared signature and answers a wrong one with
an error, as the real desktops (Nautilus, GNOME Shell, KDE) do.
"""

import json
import sys

from gi.repository import Gio, GLib

INTERFACES = {
    "file-manager": (
        "org.freedesktop.FileManager1",
        "/org/freedesktop/FileManager1",
        """<node><interface name="org.freedesktop.FileManager1">
          <method name="ShowFolders"><arg type="as" direction="in"/>
            <arg type="s" direction="in"/></method>
          <method name="ShowItems"><arg type="as" direction="in"/>
            <arg type="s" direction="in"/></method>
          <method name="ShowItemProperties"><arg type="as" direction="in"/>
            <arg type="s" direction="in"/></method>
        </interface></node>""",
    ),
    "notifications": (
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        """<node><interface name="org.freedesktop.Notifications">
          <method name="Notify">
            <arg type="s" direction="in"/><arg type="u" direction="in"/>
            <arg type="s" direction="in"/><arg type="s" direction="in"/>
            <arg type="s" direction="in"/><arg type="as" direction="in"/>
            <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
            <arg type="u" direction="out"/></method>
          <method name="GetCapabilities"><arg type="as" direction="out"/></method>
          <method name="CloseNotification"><arg type="u" direction="in"/></method>
          <method name="GetServerInformation">
            <arg type="s" direction="out"/><arg type="s" direction="out"/>
            <arg type="s" direction="out"/><arg type="s" direction="out"/></method>
        </interface></node>""",
    ),
}
REPLIES = {
    "Notify": GLib.Variant("(u)", (7,)),
    "GetCapabilities": GLib.Variant("(as)", (["body"],)),
    "GetServerInformation": GLib.Variant("(ssss)", ("fake", "tests", "1", "1.2")),
}


def on_call(_conn, _sender, _path, interface, method, parameters, invocation):
    record = {"interface": interface, "method": method, "args": parameters.unpack()}
    print(json.dumps(record, default=str), flush=True)
    invocation.return_value(REPLIES.get(method))


LAUNCHER = "com.canonical.Unity.LauncherEntry"


def on_signal(_conn, _sender, path, interface, member, parameters):
    uri, properties = parameters.get_child_value(0), parameters.get_child_value(1)
    typed = {}
    for n in range(properties.n_children()):
        entry = properties.get_child_value(n)
        value = entry.get_child_value(1).get_variant()
        typed[entry.get_child_value(0).unpack()] = [value.get_type_string(), value.unpack()]
    record = {
        "interface": interface,
        "method": member,
        "args": [parameters.get_type_string(), path, uri.unpack(), typed],
    }
    print(json.dumps(record, default=str), flush=True)


def main() -> None:
    address, services = sys.argv[1], sys.argv[2:]
    flags = (
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
    )
    conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
    for service in services:
        if service == "launcher":
            conn.signal_subscribe(
                None, LAUNCHER, "Update", None, None, Gio.DBusSignalFlags.NONE, on_signal
            )
            continue
        name, path, xml = INTERFACES[service]
        info = Gio.DBusNodeInfo.new_for_xml(xml).interfaces[0]
        conn.register_object(path, info, on_call, None, None)
        reply = conn.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", GLib.Variant("(su)", (name, 4)), None, 0, -1, None,
        )  # fmt: skip
        assert reply.unpack() == (1,), reply
    print("READY", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
