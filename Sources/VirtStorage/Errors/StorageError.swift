import Foundation

/// The one error type of VirtStorage. Codes follow libvirt's error numbers so
/// that a caller used to virsh recognises them; every message names the value
/// at fault and, where it helps, what would be accepted instead.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case invalidArgument
        case xmlError
        /// A document the XML parser could not read (libvirt's
        /// VIR_ERR_XML_DETAIL): the parser's words, the line and a pointer.
        case xmlDetail
        /// A document the schema refuses (libvirt's VIR_ERR_XML_INVALID_SCHEMA).
        case xmlInvalidSchema
        case configUnsupported
        case noSuchPool
        case noSuchVolume
        /// A volume has no snapshot of that name (VirtStorage beyond libvirt).
        case noSuchSnapshot
        case operationInvalid
        case operationUnsupported
        case operationFailed
        case internalError
        case overflow
        case systemError
        case poolExists
        case volumeExists
        case probeFailed
        case poolBuilt
        /// A request that the pool type's backend does not take (libvirt's
        /// virCheckFlags: an invalid argument, reported as a whole sentence).
        case unsupportedFlags
        /// An argument that libvirt's API refuses before any driver sees it
        /// (virReportInvalidArg: a whole sentence), such as a capacity of
        /// zero for vol-resize without `--delta` or `--shrink`.
        case argumentRefused
        /// An operation this pool type's backend does not have at all
        /// (libvirt's VIR_ERR_NO_SUPPORT).
        case noSupport
        /// A volume stream that is not whole or not VirtStorage's: truncated,
        /// corrupted (a checksum), of an unknown version (VirtStorage beyond libvirt).
        case invalidStream
        /// A job stopped because its task was cancelled (libvirt's
        /// VIR_ERR_OPERATION_ABORTED); what it made is removed, what it changed undone.
        case operationAborted

        /// libvirt's prefix for the code, as virsh prints it.
        var prefix: String {
            switch self {
            case .invalidArgument: "invalid argument"
            case .xmlError: "XML error"
            case .xmlDetail: ""
            case .xmlInvalidSchema: "XML document failed to validate against schema"
            case .configUnsupported: "unsupported configuration"
            case .noSuchPool: "Storage pool not found"
            case .noSuchVolume: "Storage volume not found"
            case .noSuchSnapshot: "Storage volume snapshot not found"
            case .operationInvalid: "Requested operation is not valid"
            case .operationUnsupported: "Operation not supported"
            case .operationFailed: "operation failed"
            case .internalError: "internal error"
            case .overflow: "numerical overflow"
            // libvirt's system errors are the message and strerror alone.
            case .systemError: ""
            case .poolExists: "operation failed"
            // libvirt's VIR_ERR_STORAGE_VOL_EXIST is a whole sentence: no prefix.
            case .volumeExists: ""
            case .probeFailed: "Storage pool probe failed"
            case .poolBuilt: "Storage pool already built"
            case .unsupportedFlags: ""
            case .argumentRefused: ""
            case .noSupport: "this function is not supported by the connection driver"
            case .invalidStream: "invalid volume stream"
            case .operationAborted: "operation aborted"
            }
        }
    }

    public var code: Code
    public var message: String
    /// The element or attribute at fault, as a path ("source/host/@port").
    public var element: String?
    /// The offending value, when there is one.
    public var value: String?
    /// Line of the offending element in the XML document, when known.
    public var line: Int?
    /// errno for system errors.
    public var errno: Int32?
    /// The file or device involved in a system error.
    public var path: String?
    /// What VirtStorage knows beyond libvirt's words (the values accepted,
    /// what to do first); libvirt's message stays as libvirt words it.
    public var hint: String?

    public init(
        _ code: Code, _ message: String, element: String? = nil, value: String? = nil,
        line: Int? = nil, errno: Int32? = nil, path: String? = nil, hint: String? = nil
    ) {
        self.hint = hint
        self.code = code
        self.message = message
        self.element = element
        self.value = value
        self.line = line
        self.errno = errno
        self.path = path
    }

    /// The error as libvirt words it: its code's prefix and the message,
    /// without the XML line that ``description`` adds.
    public var libvirtMessage: String { code.prefix.isEmpty ? message : "\(code.prefix): \(message)" }

    public var description: String {
        var s = libvirtMessage
        if let line, line > 0, code == .xmlError || code == .configUnsupported { s += " (line \(line))" }
        if let hint { s += " (\(hint))" }
        return s
    }

    /// The line virt-storage prints after libvirt's: the hint and the XML line.
    public var hintLine: String? {
        var parts: [String] = []
        if let hint { parts.append(hint) }
        if let line, line > 0, code == .xmlError || code == .configUnsupported { parts.append("line \(line) of the XML") }
        return parts.isEmpty ? nil : "hint: " + parts.joined(separator: "; ")
    }
}

extension StorageError {
    static func xml(
        _ message: String, element: String? = nil, value: String? = nil, line: Int? = nil, hint: String? = nil
    ) -> StorageError {
        StorageError(.xmlError, message, element: element, value: value, line: line, hint: hint)
    }

    static func unsupported(
        _ message: String, element: String? = nil, value: String? = nil, line: Int? = nil, hint: String? = nil
    ) -> StorageError {
        StorageError(.configUnsupported, message, element: element, value: value, line: line, hint: hint)
    }
}

/// Through `any Error`, a StorageError reads as itself: libvirt's line.
extension StorageError: LocalizedError {
    public var errorDescription: String? { description }
}
