// The ControlProtocol module. See README.md and docs/ for its design.
