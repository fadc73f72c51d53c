//! Standard input as a source (`-`): read until it ends, whatever the mode.
//!
//! The reading thread blocks in `read`, which a stop request cannot interrupt; on shutdown the
//! aggregator stops waiting for it and the thread ends with the process.

use std::io::{self, Read};
use std::sync::mpsc::SyncSender;

use super::{BATCH_BYTES, SourceEvent, SourceMsg, send};
use crate::logs::frame::{Framer, LineBatch};

/// Reads standard input to its end, sending lines as they arrive.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the source thread owns its channel end and stop flag"
)]
pub fn run(source: usize, tx: SyncSender<SourceMsg>) {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    read_stream(source, &mut input, &tx, "standard input");
    send(&tx, SourceMsg::Finished { source });
}

/// Frames a stream until its end; shared with commands. The last unterminated line counts as a
/// complete line, since the stream ended.
pub(crate) fn read_stream(
    source: usize,
    input: &mut impl Read,
    tx: &SyncSender<SourceMsg>,
    what: &str,
) {
    let mut framer = Framer::default();
    let mut buf = vec![0u8; BATCH_BYTES];
    let mut batch = LineBatch::default();
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                framer.push(&buf[..n], &mut batch);
                // A pipe hands over what is there; send it now so live lines are not delayed.
                if !batch.is_empty() || batch.nul_bytes_skipped > 0 {
                    let full = std::mem::take(&mut batch);
                    if !send(
                        tx,
                        SourceMsg::Lines {
                            source,
                            batch: full,
                        },
                    ) {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                send(
                    tx,
                    SourceMsg::Event {
                        source,
                        event: SourceEvent::Error(format!("reading {what}: {e}")),
                    },
                );
                break;
            }
        }
    }
    framer.finish(&mut batch);
    if !batch.is_empty() {
        send(tx, SourceMsg::Lines { source, batch });
    }
}
