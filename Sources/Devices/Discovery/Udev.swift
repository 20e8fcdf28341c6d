import CUdev
import Glibc

/// A libudev context. Wraps `udev_new`/`udev_unref`. Not thread-safe: libudev objects of one
/// context are used from one queue (the owner states which).
final class UdevContext {
    let handle: OpaquePointer

    init() throws {
        guard let handle = udev_new() else {
            throw DevicesError(.udevUnavailable, "udev_new failed", systemError: errno)
        }
        self.handle = handle
    }

    deinit { udev_unref(handle) }

    /// The device at a sysfs path, if it exists. Wraps `udev_device_new_from_syspath`.
    func device(syspath: String) -> UdevDevice? {
        udev_device_new_from_syspath(handle, syspath).map { UdevDevice(owning: $0) }
    }

    /// Every device of the given subsystems, as sysfs shows them now. Wraps `udev_enumerate_*`.
    func enumerate(subsystems: [String]) throws -> [UdevDevice] {
        guard let enumerator = udev_enumerate_new(handle) else {
            throw DevicesError(.udevUnavailable, "udev_enumerate_new failed", systemError: errno)
        }
        defer { udev_enumerate_unref(enumerator) }
        for subsystem in subsystems { udev_enumerate_add_match_subsystem(enumerator, subsystem) }
        udev_enumerate_scan_devices(enumerator)
        var devices = [UdevDevice]()
        var entry = udev_enumerate_get_list_entry(enumerator)
        while let current = entry {
            if let name = udev_list_entry_get_name(current),
                let device = udev_device_new_from_syspath(handle, name)
            {
                devices.append(UdevDevice(owning: device))
            }
            entry = udev_list_entry_get_next(current)
        }
        return devices
    }
}

/// A udev device. Wraps `struct udev_device` (reference counted with `udev_device_ref/unref`).
final class UdevDevice {
    let handle: OpaquePointer

    /// Takes ownership of one reference.
    init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { udev_device_unref(handle) }

    var syspath: String? { udev_device_get_syspath(handle).map { String(cString: $0) } }
    var sysname: String? { udev_device_get_sysname(handle).map { String(cString: $0) } }
    var subsystem: String? { udev_device_get_subsystem(handle).map { String(cString: $0) } }
    var devtype: String? { udev_device_get_devtype(handle).map { String(cString: $0) } }
    var devnode: String? { udev_device_get_devnode(handle).map { String(cString: $0) } }
    /// The node's device number; nil for devices without a node. Wraps `udev_device_get_devnum`.
    var deviceNumber: DeviceNumber? {
        let number = udev_device_get_devnum(handle)
        return number == 0 ? nil : DeviceNumber(number)
    }
    /// The uevent action (`add`, `remove`, `change`, `bind`, …) for monitor events.
    var action: String? { udev_device_get_action(handle).map { String(cString: $0) } }
    /// Whether udev processed the device (its rules ran). False under a umockdev testbed.
    var isInitialized: Bool { udev_device_get_is_initialized(handle) > 0 }

    /// A udev property (`ID_VENDOR_ID`, `QFPOS_ROLE`).
    func property(_ name: String) -> String? {
        udev_device_get_property_value(handle, name).map { String(cString: $0) }
    }

    /// A sysfs attribute (`idVendor`), trailing newline removed.
    func attribute(_ name: String) -> String? {
        udev_device_get_sysattr_value(handle, name).map { String(cString: $0) }
    }

    /// The device's symlinks (`/dev/serial/by-id/…`).
    var devlinks: [String] {
        var links = [String]()
        var entry = udev_device_get_devlinks_list_entry(handle)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) { links.append(String(cString: name)) }
            entry = udev_list_entry_get_next(current)
        }
        return links
    }

    /// The nearest ancestor of a subsystem (and devtype). Wraps `udev_device_get_parent_with_subsystem_devtype`.
    func parent(subsystem: String, devtype: String? = nil) -> UdevDevice? {
        guard let parent = udev_device_get_parent_with_subsystem_devtype(handle, subsystem, devtype) else {
            return nil
        }
        return UdevDevice(owning: udev_device_ref(parent))
    }
}

/// A udev monitor: a netlink socket announcing device changes after udev processed them.
/// Wraps `udev_monitor_*`. Its descriptor is driven by a Dispatch read source by its owner.
final class UdevMonitor {
    let handle: OpaquePointer
    private let context: UdevContext

    init(context: UdevContext, subsystems: [String]) throws {
        guard let handle = udev_monitor_new_from_netlink(context.handle, "udev") else {
            throw DevicesError(.udevUnavailable, "udev_monitor_new_from_netlink failed", systemError: errno)
        }
        self.handle = handle
        self.context = context
        for subsystem in subsystems { udev_monitor_filter_add_match_subsystem_devtype(handle, subsystem, nil) }
        guard udev_monitor_enable_receiving(handle) == 0 else {
            udev_monitor_unref(handle)
            throw DevicesError(.udevUnavailable, "udev_monitor_enable_receiving failed", systemError: errno)
        }
    }

    deinit { udev_monitor_unref(handle) }

    /// The socket to watch for readability.
    var fileDescriptor: Int32 { udev_monitor_get_fd(handle) }

    /// The next pending event, nil when none is waiting (the socket is non-blocking).
    func receive() -> UdevDevice? {
        udev_monitor_receive_device(handle).map { UdevDevice(owning: $0) }
    }
}
