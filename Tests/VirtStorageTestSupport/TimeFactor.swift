import Foundation

/// How many times slower than a plain debug build the tests run: sanitizer
/// builds set VIRT_STORAGE_TIME_FACTOR (Scripts/sanitize.sh), so that the
/// wall-clock limits meant to catch hangs scale with the sanitizer's slowdown
/// instead of failing on it.
public enum TimeFactor {
    public static let value: Int = max(
        1, Int(ProcessInfo.processInfo.environment["VIRT_STORAGE_TIME_FACTOR"] ?? "") ?? 1)

    /// `limit` stretched by the factor.
    public static func scaled(_ limit: Duration) -> Duration { limit * value }
}
