// The QFPOSDaemon module. See README.md and docs/ for its design.
