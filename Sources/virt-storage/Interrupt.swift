import Foundation
import Synchronization

/// Ctrl-C cancels the command's task instead of killing the process: a
/// long job (a copy, an upload, a wipe, an import) stops, removes the volume
/// it was making or undoes what it changed, and says so; pool-event ends its
/// loop as virsh's does. A second Ctrl-C ends the process at once.
final class Interrupt {
    private let source: any DispatchSourceSignal

    init(cancelling task: Task<Void, Never>) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT)
        let count = Mutex(0)
        source.setEventHandler {
            let presses = count.withLock { value in
                value += 1
                return value
            }
            if presses == 1 {
                task.cancel()
            } else {
                Foundation.exit(130)
            }
        }
        source.resume()
        self.source = source
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
