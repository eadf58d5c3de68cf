/// The version of this library and of the virt-storage executable.
public enum VirtStorageVersion {
    public static let string = "0.3.0"
}
