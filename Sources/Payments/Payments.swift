// The Payments module. See README.md and docs/ for its design.
