import KuraEngine

extension SubjectPolicy {
    /// What a backup of this subject covers, as the policy describes it.
    public var backupOptions: BackupOptions {
        var options = BackupOptions(subject: name, paths: paths)
        options.pathLists = pathLists
        options.excludes = exclude
        options.oneFileSystem = oneFileSystem
        options.excludeCaches = excludeCaches
        options.excludeIfPresent = excludeIfPresent
        options.excludeLargerThan = excludeLargerThan
        return options
    }
}
