/// The version qfpos was built as: `git describe` of the source tree at build time, in Debian's
/// version syntax (`1.2.0+4.g2b4954d`, `0.0~git238.g2b4954d` before the first tag). The GitVersion
/// plugin generates `version` from scripts/version.sh; nothing here is written by hand.
public enum BuildVersion {}
