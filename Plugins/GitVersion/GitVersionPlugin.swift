import Foundation
import PackagePlugin

/// Writes `BuildVersion.version` from `git describe` before every build (scripts/version.sh), so
/// that `qfposd --version`, `qfposctl --version` and `daemon.status` name the commit they were
/// built from and no version is written by hand. The script rewrites the file only when the
/// version changed.
@main
struct GitVersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let package = context.package.directoryURL
        return [
            .prebuildCommand(
                displayName: "BuildVersion from git describe",
                executable: URL(filePath: "/bin/sh"),
                arguments: [
                    package.appending(path: "scripts/version.sh").path(percentEncoded: false),
                    package.path(percentEncoded: false),
                    output.appending(path: "BuildVersion+Generated.swift").path(percentEncoded: false),
                ],
                outputFilesDirectory: output)
        ]
    }
}
