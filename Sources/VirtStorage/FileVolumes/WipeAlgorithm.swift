/// The wipe algorithms of virsh vol-wipe, implemented in the library (libvirt
/// runs the external `scrub`); the pass sequences are scrub's.
public enum WipeAlgorithm: String, Sendable, CaseIterable, Hashable {
    case zero, nnsa, dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random, trim

    public enum Pass: Sendable, Equatable {
        /// Write pseudo-random data.
        case random
        /// Write a repeating byte pattern.
        case pattern([UInt8])
        /// Read back and check the pattern of the previous pass.
        case verify([UInt8])
        /// Discard the blocks (punch holes).
        case discard
    }

    public var passes: [Pass] {
        switch self {
        case .zero: return [.pattern([0x00])]
        case .nnsa: return [.random, .random, .pattern([0x00]), .verify([0x00])]
        case .dod: return [.random, .pattern([0x00]), .pattern([0xFF]), .verify([0xFF])]
        case .bsi: return [0xFF, 0xFE, 0xFD, 0xFB, 0xF7, 0xEF, 0xDF, 0xBF, 0x7F].map { .pattern([$0]) }
        case .gutmann:
            let fixed: [[UInt8]] =
                [
                    [0x55], [0xAA], [0x92, 0x49, 0x24], [0x49, 0x24, 0x92], [0x24, 0x92, 0x49],
                ] + (0..<16).map { [UInt8($0 * 0x11)] } + [
                    [0x92, 0x49, 0x24], [0x49, 0x24, 0x92], [0x24, 0x92, 0x49], [0x6D, 0xB6, 0xDB], [0xB6, 0xDB, 0x6D],
                    [0xDB, 0x6D, 0xB6],
                ]
            return Array(repeating: .random, count: 4) + fixed.map { .pattern($0) }
                + Array(repeating: .random, count: 4)
        case .schneier: return [.pattern([0x00]), .pattern([0xFF])] + Array(repeating: .random, count: 5)
        case .pfitzner7: return Array(repeating: .random, count: 7)
        case .pfitzner33: return Array(repeating: .random, count: 33)
        case .random: return [.random]
        case .trim: return [.discard]
        }
    }
}
