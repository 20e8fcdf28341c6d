import CXKBCommon

/// Turns evdev key codes into text with libxkbcommon and an xkeyboard-config layout (`us`,
/// `jp`, …), tracking modifiers (Shift, AltGr, Caps Lock) the way the layout defines them. No X
/// server involved: the keymap is compiled from the layout names.
///
/// Not thread-safe: owned by one scanner and used on its queue.
final class KeyTranslator {
    private let context: OpaquePointer
    private let keymap: OpaquePointer
    private var state: OpaquePointer

    /// Compiles the keymap for `layout` (and `variant`) with the evdev rules, model pc105.
    /// Wraps `xkb_keymap_new_from_names`.
    init(layout: String, variant: String = "") throws {
        guard let context = xkb_context_new(XKB_CONTEXT_NO_FLAGS) else {
            throw DevicesError(.keyboardLayoutUnavailable, "xkb_context_new failed")
        }
        let keymap: OpaquePointer? = "evdev".withCString { rules in
            "pc105".withCString { model in
                layout.withCString { layoutName in
                    variant.withCString { variantName in
                        var names = xkb_rule_names(
                            rules: rules, model: model, layout: layoutName, variant: variantName, options: nil)
                        return xkb_keymap_new_from_names(context, &names, XKB_KEYMAP_COMPILE_NO_FLAGS)
                    }
                }
            }
        }
        guard let keymap else {
            xkb_context_unref(context)
            throw DevicesError(
                .keyboardLayoutUnavailable, "cannot compile keyboard layout '\(layout)' variant '\(variant)'")
        }
        guard let state = xkb_state_new(keymap) else {
            xkb_keymap_unref(keymap)
            xkb_context_unref(context)
            throw DevicesError(.keyboardLayoutUnavailable, "xkb_state_new failed")
        }
        self.context = context
        self.keymap = keymap
        self.state = state
        lockNumLock()
    }

    /// Scanners that type on the keypad (KEY_KP0…KEY_KP9) expect Num Lock on, as a till keyboard
    /// normally has it; a fresh xkb state has it off, which would turn digits into arrows.
    private func lockNumLock() {
        let index = xkb_keymap_mod_get_index(keymap, "Mod2")
        guard index != XKB_MOD_INVALID, index < 32 else { return }
        _ = xkb_state_update_mask(state, 0, 0, xkb_mod_mask_t(1) << index, 0, 0, 0)
    }

    deinit {
        xkb_state_unref(state)
        xkb_keymap_unref(keymap)
        xkb_context_unref(context)
    }

    /// A key went down (`value` 1), repeated (2) or up (0). Returns the text a press or repeat
    /// produces with the current modifiers, nil for releases and keys without text (modifiers).
    /// Wraps `xkb_state_key_get_utf8` and `xkb_state_update_key`.
    func key(code: UInt16, value: Int32) -> String? {
        let keycode = xkb_keycode_t(code) + 8  // evdev codes are XKB keycodes minus 8
        var text: String?
        if value != 0 {
            var buffer = [CChar](repeating: 0, count: 16)
            let length = xkb_state_key_get_utf8(state, keycode, &buffer, buffer.count)
            if length > 0, length < buffer.count {
                text = String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        if value != 2 {
            _ = xkb_state_update_key(state, keycode, value == 0 ? XKB_KEY_UP : XKB_KEY_DOWN)
        }
        return text
    }

    /// Forgets held modifiers (after a timeout or a lost sync), as if every key were released.
    func reset() {
        guard let fresh = xkb_state_new(keymap) else { return }
        xkb_state_unref(state)
        state = fresh
        lockNumLock()
    }
}
