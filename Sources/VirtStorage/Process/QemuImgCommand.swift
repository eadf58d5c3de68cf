import Foundation

/// Builds the qemu-img commands that create a volume, or convert another
/// volume into it, exactly as libvirt 9.0 does for formats it does not write
/// itself. Two commands come back when an encrypted volume is involved in a
/// conversion: a create, then a `convert -n` into the created image.
public struct QemuImgCommand: Sendable {
    /// A volume together with the type of the pool it belongs to.
    public struct Volume: Sendable {
        public var definition: VolumeDefinition
        public var poolType: PoolType

        public init(_ definition: VolumeDefinition, in poolType: PoolType) {
            self.definition = definition
            self.poolType = poolType
        }
    }

    public var volume: Volume
    public var input: Volume?
    /// The pool's target path, to resolve a relative backing store path.
    public var poolTargetPath: String?
    /// Ask for metadata preallocation (VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA).
    public var preallocateMetadata = false
    /// Files holding the volume's and the input's secret; their contents never
    /// appear in the command.
    public var secretPath: String?
    public var inputSecretPath: String?
    /// Checks that a backing file can be read; replaceable for tests.
    public var isReadable: @Sendable (String) -> Bool = { SystemCalls.isAccessible($0, R_OK) }
    public var program = "qemu-img"

    public init(volume: Volume, input: Volume? = nil, poolTargetPath: String? = nil) {
        self.volume = volume
        self.input = input
        self.poolTargetPath = poolTargetPath
    }

    private enum Step { case single, create, convert }

    /// The commands to run, in order.
    public func commands() throws(StorageError) -> [Command] {
        let encrypted = volume.definition.target.encryption != nil || input?.definition.target.encryption != nil
        if input != nil && encrypted {
            return [try build(.create), try build(.convert)]
        }
        return [try build(.single)]
    }

    private struct Info {
        var type: String
        var format: String
        var inputType: String?
        var inputPath: String?
        var inputFormat: String?
        var backingPath: String?
        var backingFormat: String?
        var sizeK: UInt64
        var allocationK: UInt64
        var secretAlias: String?
        var inputSecretAlias: String?
    }

    /// qemu-img has no "iso" or "none": such images and block devices are raw.
    private static func effectiveFormat(_ v: VolumeDefinition) -> String {
        let f = v.target.format?.rawValue ?? "none"
        return v.type == .block || f == "iso" || f == "none" ? "raw" : f
    }

    private func info(_ step: Step) throws(StorageError) -> Info {
        let vol = volume.definition
        let enc = vol.target.encryption
        let inputEnc = input?.definition.target.encryption
        let volFormat = vol.target.format?.rawValue ?? "none"

        if let enc, enc.format == "qcow" || enc.format == "default", volFormat == "qcow" || volFormat == "qcow2" {
            throw StorageError.unsupported(
                "creation of qcow2 encrypted image is not supported", element: "target/encryption/@format",
                value: enc.format, hint: "use <encryption format='luks'>")
        }
        if let inputEnc, inputEnc.format != "luks" {
            throw StorageError.unsupported(
                "encryption format of inputvol must be LUKS", element: "target/encryption/@format",
                value: inputEnc.format, hint: "the input volume's encryption is '\(inputEnc.format)'")
        }

        let format = vol.type == .block || volFormat == "iso" ? "raw" : volFormat
        var info = Info(
            // No size given with a backing file: qemu-img takes the backing file's (libvirt gives none).
            type: format, format: format,
            sizeK: vol.capacitySpecified || vol.backingStore == nil ? ByteCount.kibibytesRoundedUp(vol.capacity) : 0,
            allocationK: ByteCount.kibibytesRoundedUp(vol.allocation))
        if let input { info.inputType = input.definition.target.format?.rawValue ?? "none" }

        if preallocateMetadata && format != "qcow2" {
            throw StorageError.unsupported(
                "metadata preallocation only available with qcow2", element: "target/format/@type", value: format,
                hint: "the volume's format is \(format)")
        }
        if vol.target.compat != nil && format != "qcow2" {
            throw StorageError.unsupported(
                "compatibility option only available with qcow2", element: "target/compat", value: vol.target.compat,
                hint: "the volume's format is \(format)")
        }
        if vol.target.features != nil && format != "qcow2" {
            throw StorageError.unsupported(
                "format features only available with qcow2", element: "target/features",
                hint: "the volume's format is \(format)")
        }
        if format == "raw", let enc {
            guard enc.format == "luks" else {
                throw StorageError(
                    .internalError, "Only luks encryption is supported for raw files",
                    element: "target/encryption/@format", value: enc.format, hint: "the encryption is '\(enc.format)'")
            }
            info.type = "luks"
        }
        if let input, input.definition.target.format == "raw", inputEnc != nil {
            info.inputType = "luks"
        }

        if let input {
            if step != .create {
                guard let path = input.definition.target.path else {
                    throw StorageError(.invalidArgument, "missing input volume target path", element: "target/path")
                }
                info.inputPath = path
            }
            info.inputFormat = Self.effectiveFormat(input.definition)
        }

        if let backing = vol.backingStore, let backingPath = backing.path {
            if format == "raw" {
                throw StorageError.unsupported(
                    "cannot set backing store for raw volume", element: "backingStore/path", value: backingPath)
            }
            info.backingPath = backingPath
            info.backingFormat = backing.format?.rawValue ?? "raw"
            if preallocateMetadata {
                throw StorageError.unsupported(
                    "metadata preallocation conflicts with backing store", element: "backingStore/path",
                    value: backingPath)
            }
            if let inputBacking = input?.definition.backingStore?.path, inputBacking != backingPath {
                throw StorageError(
                    .internalError, "a different backing store cannot be specified.", element: "backingStore/path",
                    value: backingPath, hint: "the input volume is backed by '\(inputBacking)'")
            }
            try Self.checkBackingStore(backingPath, poolTargetPath: poolTargetPath, isReadable: isReadable)
        }

        if let enc {
            if format == "raw" || format == "qcow2" {
                guard enc.format == "luks" else {
                    // libvirt names the format by its number in virStorageEncryptionFormatType.
                    let number = ["default", "qcow", "luks", "luks2"].firstIndex(of: enc.format) ?? 0
                    throw StorageError.unsupported(
                        "unsupported volume encryption format \(number)", element: "target/encryption/@format",
                        value: enc.format, hint: "'\(enc.format)' is not luks")
                }
                guard enc.secrets.count <= 1 else {
                    throw StorageError.xml(
                        "too many secrets for luks encryption", element: "target/encryption/secret",
                        hint: "give exactly one <secret>")
                }
                guard !enc.secrets.isEmpty else {
                    throw StorageError.xml(
                        "no secret provided for luks encryption", element: "target/encryption/secret",
                        hint: "add <secret type='passphrase' uuid='...'/>")
                }
            } else {
                throw StorageError.unsupported(
                    "volume encryption unsupported with format \(info.type)", element: "target/encryption",
                    value: info.type)
            }
        }
        return info
    }

    /// libvirt's rule for a new volume's backing store: it must be readable; a
    /// relative path is relative to the pool's target directory.
    /// A `<backingStore><path>` as a file path: a relative one is in the pool's directory.
    static func absoluteBackingPath(_ backingPath: String, poolTargetPath: String?) -> String {
        backingPath.hasPrefix("/") ? backingPath : "\(poolTargetPath ?? ".")/\(backingPath)"
    }

    static func checkBackingStore(
        _ backingPath: String, poolTargetPath: String?,
        isReadable: (String) -> Bool = { SystemCalls.isAccessible($0, R_OK) }
    ) throws(StorageError) {
        let absolute = absoluteBackingPath(backingPath, poolTargetPath: poolTargetPath)
        guard isReadable(absolute) else {
            let e = errno
            throw StorageError(
                .systemError, "inaccessible backing store volume \(backingPath): \(String(cString: strerror(e)))",
                element: "backingStore/path", value: backingPath, errno: e, path: absolute)
        }
    }

    private func options(_ info: Info) throws(StorageError) -> [String] {
        let vol = volume.definition
        var opts: [String] = []
        if info.backingPath != nil, let backingFormat = info.backingFormat {
            opts.append("backing_fmt=\(backingFormat)")
        }
        if let enc = vol.target.encryption, let alias = info.secretAlias {
            let prefix = info.format == "qcow2" ? "encrypt." : ""
            if info.format == "qcow2" { opts.append("encrypt.format=luks") }
            opts.append("\(prefix)key-secret=\(alias)")
            if let cipher = enc.cipher {
                opts.append("\(prefix)cipher-alg=\(Self.doubleCommas("\(cipher.name)-\(cipher.size)"))")
                if let mode = cipher.mode { opts.append("\(prefix)cipher-mode=\(Self.doubleCommas(mode))") }
                if let hash = cipher.hash { opts.append("\(prefix)hash-alg=\(Self.doubleCommas(hash))") }
                if let ivgen = enc.ivgen {
                    opts.append("\(prefix)ivgen-alg=\(Self.doubleCommas(ivgen.name))")
                    if let hash = ivgen.hash { opts.append("\(prefix)ivgen-hash-alg=\(Self.doubleCommas(hash))") }
                }
            }
        }
        if preallocateMetadata {
            opts.append(info.sizeK > info.allocationK ? "preallocation=metadata" : "preallocation=falloc")
        }
        if vol.target.noCopyOnWrite { opts.append("nocow=on") }
        if let compat = vol.target.compat {
            opts.append("compat=\(compat)")
        } else if info.format == "qcow2" {
            opts.append("compat=0.10")
        }
        if let cluster = vol.target.clusterSize, cluster > 0 { opts.append("cluster_size=\(cluster)") }
        if let features = vol.target.features, info.format == "qcow2" {
            let options: [(VolumeFeature, String, String)] = [
                (.lazyRefcounts, "lazy_refcounts", "lazy_refcounts"), (.extendedL2, "'extended_l2'", "extended_l2=on"),
            ]
            for (feature, name, option) in options where features.contains(feature) {
                if vol.target.compat == "0.10" {
                    throw StorageError.unsupported(
                        "\(name) not supported with compat level 0.10", element: "target/features/\(feature.rawValue)",
                        hint: "use <compat>1.1</compat>")
                }
                opts.append(option)
            }
        }
        return opts
    }

    private static func doubleCommas(_ s: String) -> String {
        var out = ""
        for ch in s { out += ch == "," ? ",," : String(ch) }
        return out
    }

    private func build(_ step: Step) throws(StorageError) -> Command {
        var info = try info(step)
        let vol = volume.definition
        if info.inputPath != nil || step == .create { info.backingPath = nil }

        var args: [String]
        if info.inputPath != nil && step == .single {
            args = ["convert", "-f", info.inputFormat ?? "raw", "-O", info.type]
        } else if info.inputPath != nil && step == .convert {
            args = ["convert", "--image-opts", "-n", "--target-image-opts"]
        } else {
            args = ["create", "-f", info.type]
        }
        if let backing = info.backingPath { args += ["-b", backing] }

        if vol.target.encryption != nil {
            guard let secretPath else {
                throw StorageError(.internalError, "path to secret data file is required")
            }
            let alias = "\(vol.name)_encrypt0"
            info.secretAlias = alias
            args += ["--object", "secret,id=\(alias),file=\(Self.doubleCommas(secretPath))"]
        }
        if let input, input.definition.target.encryption != nil, step == .convert {
            guard let inputSecretPath else {
                throw StorageError(.internalError, "path to inputvol secret data file is required")
            }
            let alias = "\(input.definition.name)_encrypt0"
            info.inputSecretAlias = alias
            args += ["--object", "secret,id=\(alias),file=\(Self.doubleCommas(inputSecretPath))"]
        }

        guard let targetPath = vol.target.path else {
            throw StorageError(.invalidArgument, "missing volume target path", element: "target/path")
        }
        if step != .convert {
            let opts = try options(info)
            if !opts.isEmpty { args += ["-o", opts.joined(separator: ",")] }
            if let inputPath = info.inputPath { args.append(inputPath) }
            args.append(targetPath)
            if info.inputPath == nil && (info.sizeK != 0 || info.backingPath == nil) {
                args.append("\(info.sizeK)K")
            }
        } else if let input, let inputPath = info.inputPath {
            let inputPrefix = input.definition.target.format == "qcow2" ? "encrypt." : ""
            var source = "driver=\(info.inputType ?? "raw"),file.filename=\(inputPath)"
            if let alias = info.inputSecretAlias { source += ",\(inputPrefix)key-secret=\(alias)" }
            let prefix = vol.target.format == "qcow2" ? "encrypt." : ""
            var destination = "driver=\(info.type),file.filename=\(targetPath)"
            if let alias = info.secretAlias { destination += ",\(prefix)key-secret=\(alias)" }
            args += [source, destination]
        }
        return Command(program, args)
    }
}
