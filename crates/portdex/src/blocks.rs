//! Text on its way to standard output, written a block at a time when the answer is
//! long. `ls` with 10,000 sockets writes 1.3 MB: built whole in one string, that is some
//! 320 pages of fresh memory, each a page fault (about 3.5 µs on our VMs), before a byte
//! goes out. Written out whenever [`BLOCK`] bytes have gathered, the same bytes go out
//! through one block's memory, reused.

use std::io;

/// How much text gathers before it is written out: 16 pages, large enough that the
/// writes cost little (20 `write` calls for 1.3 MB), small enough to stay in the cache.
pub const BLOCK: usize = 64 * 1024;

/// The answer's text, and where full blocks of it go.
pub struct Blocks<'a> {
    text: &'a mut String,
    /// Whether full blocks are written to standard output (false: everything stays in
    /// `text`, for the caller to use; tests).
    stream: bool,
    /// Whether colour is on: blocks go through anstream, as `write_stdout` writes them.
    color: bool,
    /// Whether some text went out already (`text` may be empty though the answer is not).
    wrote: bool,
    /// The first failure to write; nothing more is written after it.
    error: Option<io::Error>,
    /// Bytes written through `io::Write` that are not in the text yet.
    pending: Vec<u8>,
}

impl<'a> Blocks<'a> {
    /// Text that goes to standard output a block at a time; the caller writes what is
    /// left in `text` at the end, as it writes any answer.
    pub fn to_stdout(text: &'a mut String, color: bool) -> Self {
        Blocks {
            text,
            stream: true,
            color,
            wrote: false,
            error: None,
            pending: Vec::new(),
        }
    }

    /// Text that stays in memory, whole.
    #[cfg(test)]
    pub fn in_memory(text: &'a mut String) -> Self {
        Blocks {
            text,
            stream: false,
            color: false,
            wrote: false,
            error: None,
            pending: Vec::new(),
        }
    }

    /// The text not written out yet, to append to.
    pub fn text(&mut self) -> &mut String {
        self.text
    }

    /// Whether nothing has been written, out or into the text.
    pub fn is_empty(&self) -> bool {
        !self.wrote && self.text.is_empty()
    }

    /// Writes the text out when a block has gathered. Called at a point where the text
    /// can be cut (between rows: an escape sequence is never split).
    pub fn maybe_flush(&mut self) {
        if self.stream && self.text.len() >= BLOCK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.error.is_none() {
            if let Err(e) = crate::write_stdout(self.text, self.color) {
                self.error = Some(e);
            }
        }
        self.wrote = true;
        self.text.clear();
    }

    /// How writing went: a closed pipe (`portdex ls | head`) is not an error, and what
    /// is left is dropped; any other failure is (the answer did not arrive).
    pub fn finish(&mut self) -> io::Result<()> {
        match self.error.take() {
            None => Ok(()),
            Some(e) => {
                self.text.clear();
                if e.kind() == io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// For serde_json, which writes to an `io::Write` (a token at a time: millions of small
/// writes): the bytes gather in `pending`, as they would in the `Vec` of
/// `serde_json::to_string`, and move into the text a block at a time, up to the last
/// whole character. Call `flush` when the writer is done, before writing more text.
impl io::Write for Blocks<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= BLOCK {
            self.settle(false);
        }
        Ok(buf.len())
    }

    /// Moves every pending byte into the text.
    fn flush(&mut self) -> io::Result<()> {
        self.settle(true);
        Ok(())
    }
}

impl Blocks<'_> {
    /// Moves the pending bytes into the text, all of them or (not `all`) up to the last
    /// whole character; bytes that are not UTF-8 become U+FFFD, as
    /// `String::from_utf8_lossy` makes them (JSON is UTF-8: this does not happen).
    fn settle(&mut self, all: bool) {
        let upto = match std::str::from_utf8(&self.pending) {
            Ok(s) => {
                self.text.push_str(s);
                self.pending.len()
            }
            // A character cut at the end of the bytes: the rest of it comes later.
            Err(e) if !all && e.error_len().is_none() => {
                let n = e.valid_up_to();
                self.text
                    .push_str(&String::from_utf8_lossy(&self.pending[..n]));
                n
            }
            Err(_) => {
                self.text.push_str(&String::from_utf8_lossy(&self.pending));
                self.pending.len()
            }
        };
        self.pending.drain(..upto);
        self.maybe_flush();
    }
}
