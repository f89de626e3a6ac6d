//! Opening what users name. Every input file is opened once, without blocking, checked to be a
//! regular file after following links, and read through a reader that stops at its cap: a
//! size from `metadata` is 0 for FIFOs and devices, so a FIFO would block the reader forever
//! and `/dev/zero` would be read without end. Anything else is refused with its path and what
//! it really is.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use super::error::{InputError, Pos};

/// What a path that is not a regular file is, as a user would say it (`a named pipe (FIFO)`).
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_file() { "a regular file" } else { "not a regular file" }
}

/// Why `path` cannot be read, given the error opening or inspecting it: a link loop, a link to
/// nothing, a missing file (`missing` is the caller's word for that), or the system's reason.
pub fn unreadable(path: &Path, err: &std::io::Error, missing: &str) -> String {
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::ELOOP) {
        return "is a symbolic link loop (following its links never reaches a file)".into();
    }
    if err.kind() == std::io::ErrorKind::NotFound {
        if let Ok(target) = std::fs::read_link(path) {
            return format!("is a symbolic link to {}, which does not exist", target.display());
        }
        return missing.to_string();
    }
    format!("cannot read: {err}")
}

/// The refusal of a path that is not a regular file, naming what it is (and where a link led).
fn not_regular(path: &Path, meta: &Metadata) -> InputError {
    let kind = kind_of(meta);
    let message = match std::fs::read_link(path) {
        Ok(target) => format!("is a symbolic link to {kind} ({}), not a regular file: refused", target.display()),
        Err(_) => format!("is {kind}, not a regular file: refused"),
    };
    InputError::in_file(path, message)
}

/// Opens `path` for reading if it is a regular file (links followed); returns it with its size.
/// The kind is checked before opening (a device is never opened) and again on the open file (a
/// path swapped in between is still caught); the open does not block on a FIFO.
pub fn open_regular(path: &Path) -> Result<(File, u64), InputError> {
    let cannot = |e: std::io::Error| InputError::in_file(path, unreadable(path, &e, "cannot read: no such file"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok((file, meta.len()))
}

/// Reads all of an opened file, refusing it once it passes `cap` bytes (whatever its size
/// said: files in `/proc` say 0).
pub fn read_capped(path: &Path, file: File, len: u64, cap: u64) -> Result<Vec<u8>, InputError> {
    let too_large = |n: u64| InputError::in_file(path, format!("file is {n} bytes, larger than the {cap} byte limit"));
    if len > cap {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::in_file(path, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(InputError::in_file(path, format!("file is larger than the {cap} byte limit")));
    }
    Ok(bytes)
}

/// A regular file's bytes, at most `cap` of them.
pub fn read_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, InputError> {
    let (file, len) = open_regular(path)?;
    read_capped(path, file, len, cap)
}

/// The first byte that is not UTF-8: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utf8Fault {
    pub offset: u64,
    pub byte: u8,
    pub pos: Pos,
}

impl Utf8Fault {
    fn message(&self) -> String {
        format!(
            "not UTF-8 text: byte 0x{:02x} at byte offset {} is not valid UTF-8 (tapedeck reads UTF-8 files)",
            self.byte, self.offset
        )
    }

    /// The error for `path`, placed at the byte (no snippet: the text is not held).
    pub fn error(&self, path: &Path) -> InputError {
        InputError { pos: Some(self.pos.clone()), ..InputError::in_file(path, self.message()) }
    }
}

/// The bytes as text, or an error at the first byte that is not UTF-8: its byte offset and,
/// from the valid text before it, its line and column.
pub fn utf8_text(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = String::from_utf8_lossy(&bytes[..offset]);
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u64 + 1;
        let fault = Utf8Fault { offset: offset as u64, byte: bytes[offset], pos: Pos { line, column } };
        InputError::at(path, &String::from_utf8_lossy(bytes), Some(fault.pos.clone()), fault.message())
    })
}

/// Where a [`Utf8Reader`] leaves the fault it met, for its owner to read after the reader was
/// consumed (by a parser that only sees an I/O error).
pub type FaultSlot = std::sync::Arc<std::sync::Mutex<Option<Utf8Fault>>>;

/// The fault a [`Utf8Reader`] met, if any.
pub fn fault_in(slot: &FaultSlot) -> Option<Utf8Fault> {
    slot.lock().ok().and_then(|f| f.clone())
}

/// Passes bytes through unchanged while checking that they are UTF-8, counting lines and
/// columns as it goes: a file parsed as it is read gets the same placed error as one read whole.
pub struct Utf8Reader<R> {
    inner: R,
    /// The start of a character cut by the end of the last read.
    carry: Vec<u8>,
    offset: u64,
    line: u64,
    column: u64,
    fault: FaultSlot,
}

impl<R: Read> Utf8Reader<R> {
    pub fn new(inner: R) -> Self {
        Utf8Reader { inner, carry: Vec::new(), offset: 0, line: 1, column: 1, fault: FaultSlot::default() }
    }

    pub fn fault(&self) -> FaultSlot {
        self.fault.clone()
    }

    fn fail(&mut self, byte: u8) -> std::io::Error {
        let fault = Utf8Fault { offset: self.offset, byte, pos: Pos { line: self.line, column: self.column } };
        if let Ok(mut slot) = self.fault.lock() {
            *slot = Some(fault.clone());
        }
        std::io::Error::new(std::io::ErrorKind::InvalidData, fault.message())
    }

    fn count(&mut self, text: &str) {
        for c in text.chars() {
            self.offset += c.len_utf8() as u64;
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            return match self.carry.first().copied() {
                Some(b) => Err(self.fail(b)),
                None => Ok(0),
            };
        }
        let mut piece = std::mem::take(&mut self.carry);
        piece.extend_from_slice(&buf[..n]);
        match std::str::from_utf8(&piece) {
            Ok(text) => self.count(text),
            Err(e) => {
                let valid = e.valid_up_to();
                self.count(std::str::from_utf8(&piece[..valid]).unwrap_or_default());
                match e.error_len() {
                    Some(_) => return Err(self.fail(piece[valid])),
                    None => self.carry = piece[valid..].to_vec(),
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_placed() {
        let e = utf8_text(Path::new("f.yaml"), b"a: 1\nbb: x\xffy\n".to_vec()).unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 2, column: 6 }));
        assert!(e.message.contains("byte 0xff at byte offset 10"), "{}", e.message);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.yaml");
        let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_bytes(&fifo, 100).unwrap_err().to_string();
        assert!(e.contains("is a named pipe (FIFO), not a regular file"), "{e}");
        let zero = dir.path().join("z.yaml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_bytes(&zero, 100).unwrap_err().to_string();
        assert!(e.contains("symbolic link to a character device (/dev/zero)"), "{e}");
        let looped = dir.path().join("l.yaml");
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        assert!(read_bytes(&looped, 100).unwrap_err().to_string().contains("symbolic link loop"));
    }

    #[test]
    fn a_reader_finds_the_bad_byte_across_reads() {
        let text = b"a: \xc3\xa9\nbb: \xe2\x82".to_vec();
        for size in 1..text.len() {
            let mut r = Utf8Reader::new(std::io::Cursor::new(text.clone()));
            let slot = r.fault();
            let mut buf = vec![0u8; size];
            while let Ok(n) = r.read(&mut buf) {
                assert!(n > 0, "EOF inside a character must be an error");
            }
            assert_eq!(fault_in(&slot), Some(Utf8Fault { offset: 10, byte: 0xe2, pos: Pos { line: 2, column: 5 } }));
        }
    }

    #[test]
    fn a_file_past_its_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, [b'x'; 10]).unwrap();
        assert!(read_bytes(&f, 9).unwrap_err().to_string().contains("larger than the 9 byte limit"));
        assert_eq!(read_bytes(&f, 10).unwrap().len(), 10);
    }
}
