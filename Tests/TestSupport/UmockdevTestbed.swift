import CUmockdev
import Foundation
import Glibc
import Synchronization

/// The process's umockdev testbed: a fake sysfs, /dev and uevent socket that libudev, open() and
/// ioctl() see instead of the real ones when the test binary runs under `umockdev-wrapper` (as
/// `make test` does). umockdev keeps one testbed per process (`$UMOCKDEV_DIR`), so tests share
/// it through `withTestbed`, which runs one test's body at a time and removes the devices the
/// body added when it ends.
public final class UmockdevTestbed: @unchecked Sendable {
    private let handle: OpaquePointer
    private var added: [String] = []
    private var handlings: [String: IoctlHandling] = [:]
    private var links: [String] = []

    private init() {
        handle = OpaquePointer(umockdev_testbed_new())
    }

    private static let shared = UmockdevTestbed()
    private static let lock = AsyncLock()

    /// Runs `body` with exclusive use of the testbed. Devices the body adds are removed (with a
    /// `remove` uevent) afterwards. Throws when the binary does not run under umockdev-wrapper.
    public static func withTestbed<T: Sendable>(_ body: (UmockdevTestbed) async throws -> T) async throws -> T {
        let testbed = shared  // umockdev_in_mock_environment() is true only once a testbed exists
        guard umockdev_in_mock_environment() != 0 else {
            throw TestSupportError("not running under umockdev-wrapper: run the tests with `make test`")
        }
        await lock.lock()
        do {
            let result = try await body(testbed)
            testbed.removeAll()
            await lock.unlock()
            return result
        } catch {
            testbed.removeAll()
            await lock.unlock()
            throw error
        }
    }

    /// The testbed's root directory (`$UMOCKDEV_DIR`).
    public var rootDirectory: String {
        let path = umockdev_testbed_get_root_dir(testbed)!
        defer { g_free(path) }
        return String(cString: path)
    }

    /// Adds devices described in umockdev-record format (`P:`, `N:`, `E:`, `A:`, `L:`, `H:` lines,
    /// a blank line between devices, parents before children). umockdev sends each device's `add`
    /// uevent once it is set up, so a running monitor sees them at once. The sysfs paths are the
    /// `P:` lines prefixed with `/sys`.
    public func add(_ description: String) throws {
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_add_from_string(testbed, description, &error) != 0 else {
            let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            g_clear_error(&error)
            throw TestSupportError("umockdev_testbed_add_from_string failed: \(message)")
        }
        for line in description.split(separator: "\n") where line.hasPrefix("P: ") {
            added.append("/sys" + line.dropFirst(3))
        }
    }

    /// Sends a uevent (`add`, `change`, `remove`) for a device, as the kernel would.
    public func uevent(_ syspath: String, action: String) {
        umockdev_testbed_uevent(testbed, syspath, action)
    }

    /// Sets a udev property of a device, as udev rules would (send a uevent to announce it).
    public func setProperty(_ syspath: String, _ name: String, _ value: String) {
        umockdev_testbed_set_property(testbed, syspath, name, value)
    }

    /// Removes a device (children first) after sending its `remove` uevent: an unplug.
    public func unplug(_ syspaths: [String]) {
        for syspath in syspaths.reversed() {
            uevent(syspath, action: "remove")
            umockdev_testbed_remove_device(testbed, syspath)
            added.removeAll { $0 == syspath }
        }
    }

    /// Adds devices and sends their `add` uevents: a plug.
    public func plug(_ description: String) throws {
        let before = added.count
        try add(description)
        for syspath in added[before...] { uevent(syspath, action: "add") }
    }

    /// The controller side of an emulated stream node (`/dev/ttyACM0`, `/dev/input/event5`):
    /// what the test writes there, the code under test reads from the node. Owned by the testbed.
    public func controllerDescriptor(of node: String) -> Int32 {
        umockdev_testbed_get_dev_fd(testbed, node)
    }

    /// Replays an evemu event script (`E: sec.usec type code value` lines) on an evdev node.
    public func replayEvemuEvents(_ events: String, on node: String) throws {
        let path = NSTemporaryDirectory() + "qfpos-evemu-\(UUID().uuidString).events"
        try events.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_load_evemu_events(testbed, node, path, &error) != 0 else {
            let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            g_clear_error(&error)
            throw TestSupportError("umockdev_testbed_load_evemu_events failed: \(message)")
        }
    }

    /// Answers `EVIOCGRAB` on an emulated evdev node as the kernel does: 0 for a free device, or
    /// -1 with `errno` (EBUSY when another process holds the grab). Reads still come from the
    /// node's pty (`replayEvemuEvents`). `grabRequests(on:)` tells how often it was asked.
    ///
    /// Call it before the node is added: `add` announces the device, and a reader that opens the
    /// node before this handler is attached is answered by umockdev's default handler, which
    /// grants the grab without counting it. Throws for a node already in the testbed.
    public func emulateEvdevGrab(on node: String, failingWith errno: Int32 = 0) throws {
        var status = stat()
        guard lstat(rootDirectory + node, &status) != 0 else {
            throw TestSupportError("emulateEvdevGrab(on: \(node)) must come before the node is added")
        }
        try attach(IoctlHandling(grabErrno: errno), to: node)
    }

    /// How many `EVIOCGRAB` requests (grab or release) the code under test made on a node set
    /// up with `emulateEvdevGrab`; nil for a node that is not.
    public func grabRequests(on node: String) -> Int? {
        handlings[node]?.grabRequests.withLock { $0 }
    }

    /// Makes a device link, as udev's rules would (`/dev/serial/by-id/…`, `/dev/qfpos/…`): a
    /// symlink in the testbed's /dev to the node, and umockdev's record of the link's device
    /// number, so that `stat` through the link reports the node's number as the kernel does.
    public func link(_ link: String, to node: String) throws {
        guard link.hasPrefix("/dev/"), node.hasPrefix("/dev/") else {
            throw TestSupportError("links and nodes are paths under /dev")
        }
        let root = rootDirectory
        let target = root + node
        let path = root + link
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        unlink(path)
        guard symlink(target, path) == 0 else { throw TestSupportError("symlink \(path) failed: errno \(errno)") }
        let records = root + "/dev/.node/"
        let number = try FileManager.default.destinationOfSymbolicLink(
            atPath: records + node.dropFirst(5).replacingOccurrences(of: "/", with: "_"))
        let record = records + link.dropFirst(5).replacingOccurrences(of: "/", with: "_")
        unlink(record)
        guard symlink(number, record) == 0 else { throw TestSupportError("symlink \(record) failed: errno \(errno)") }
        links.append(path)
        links.append(record)
    }

    /// What one attached ioctl handler answers, and what it saw. Shared with umockdev's thread.
    final class IoctlHandling: Sendable {
        /// EVIOCGRAB's answer (0: granted).
        let grabErrno: Int32
        let grabRequests = Mutex(0)

        init(grabErrno: Int32) { self.grabErrno = grabErrno }
    }

    private func attach(_ handling: IoctlHandling, to node: String) throws {
        let handler = umockdev_ioctl_base_new()
        let callback: @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutableRawPointer?) -> gboolean = {
            _, client, userData in
            guard let client, let userData else { return 0 }
            let handling = Unmanaged<IoctlHandling>.fromOpaque(userData).takeUnretainedValue()
            let client_ = UnsafeMutablePointer<UMockdevIoctlClient>(client)
            guard umockdev_ioctl_client_get_request(client_) == UmockdevTestbed.eviocgrab else { return 0 }
            handling.grabRequests.withLock { $0 += 1 }
            let error = handling.grabErrno
            umockdev_ioctl_client_complete(client_, error == 0 ? 0 : -1, error)
            return 1
        }
        g_signal_connect_data(
            handler, "handle-ioctl", unsafeBitCast(callback, to: GCallback.self),
            Unmanaged.passRetained(handling).toOpaque(), nil, GConnectFlags(rawValue: 0))  // umockdev may call it late
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_attach_ioctl(testbed, node, handler, &error) != 0 else {
            let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            g_clear_error(&error)
            throw TestSupportError("umockdev_testbed_attach_ioctl failed: \(message)")
        }
        handlings[node] = handling  // kept alive while umockdev may call the handler
    }

    /// `EVIOCGRAB`: `_IOW('E', 0x90, int)`.
    static let eviocgrab: UInt = 0x4004_4590

    private var testbed: UnsafeMutablePointer<UMockdevTestbed> {
        UnsafeMutablePointer<UMockdevTestbed>(handle)
    }

    private func removeAll() {
        for node in handlings.keys { umockdev_testbed_detach_ioctl(testbed, node, nil) }
        handlings.removeAll()
        for path in links { unlink(path) }
        links.removeAll()
        for syspath in added.reversed() { umockdev_testbed_remove_device(testbed, syspath) }
        added.removeAll()
    }
}

/// A lock for async code: one holder at a time, waiters resumed in order.
actor AsyncLock {
    private var isLocked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        guard isLocked else {
            isLocked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            isLocked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
