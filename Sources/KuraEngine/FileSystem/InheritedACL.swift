internal import CLinux

/// A folder's default ACL is inherited by every entry created in it, which would give
/// restored entries ACLs (`system.posix_acl_access` xattrs) their originals never had.
public enum InheritedACL {
    /// Removes `path`'s default ACL (if any), so what is restored into it carries only the
    /// ACLs it was backed up with.
    public static func remove(from path: String) {
        _ = removexattr(path, "system.posix_acl_default")
    }
}
