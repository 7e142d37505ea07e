//! A tar writer with no opinions: every header field is set by the test, so archives can lie
//! about sizes, carry any type flag, bad checksums, PAX records, GNU long names, raw bytes.

use std::io::Write;

/// One 512-byte header, field by field (ustar layout; `gnu` switches the magic).
#[derive(Clone)]
pub struct Header {
    pub name: Vec<u8>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Owner names (`uname`/`gname`), which `tar` as root would look up and chown to.
    pub uname: Vec<u8>,
    pub gname: Vec<u8>,
    /// The size written in the header (may lie about the data that follows).
    pub size: u64,
    pub mtime: u64,
    pub typeflag: u8,
    pub linkname: Vec<u8>,
    pub gnu: bool,
    pub prefix: Vec<u8>,
    /// Added to the correct checksum (0 for a valid header).
    pub checksum_error: u32,
}

impl Header {
    pub fn new(name: impl AsRef<[u8]>, typeflag: u8, size: u64) -> Header {
        Header {
            name: name.as_ref().to_vec(),
            mode: 0o644,
            uid: 0,
            gid: 0,
            uname: Vec::new(),
            gname: Vec::new(),
            size,
            mtime: 946_684_800,
            typeflag,
            linkname: Vec::new(),
            gnu: false,
            prefix: Vec::new(),
            checksum_error: 0,
        }
    }

    pub fn to_bytes(&self) -> [u8; 512] {
        let mut h = [0u8; 512];
        put(&mut h[0..100], &self.name);
        octal(&mut h[100..108], u64::from(self.mode));
        octal(&mut h[108..116], self.uid);
        octal(&mut h[116..124], self.gid);
        octal(&mut h[124..136], self.size);
        octal(&mut h[136..148], self.mtime);
        h[156] = self.typeflag;
        put(&mut h[157..257], &self.linkname);
        if self.gnu {
            h[257..265].copy_from_slice(b"ustar  \0");
            // GNU `realsize`, which readers parse for sparse entries.
            octal(&mut h[483..495], self.size);
        } else {
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
        }
        put(&mut h[265..297], &self.uname);
        put(&mut h[297..329], &self.gname);
        put(&mut h[345..500], &self.prefix);
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum::<u32>() + self.checksum_error;
        let field = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(field.as_bytes());
        h
    }
}

/// Copies `value` into `field`, truncating (tests that need longer names use PAX or GNU records).
fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

/// NUL-terminated zero-padded octal, as tar writes numbers.
fn octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(text.as_bytes());
}

#[derive(Default, Clone)]
pub struct Tar {
    pub bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Tar {
        Tar::default()
    }

    /// A header followed by `data`, padded to 512 bytes (the header's size is not checked).
    pub fn entry(mut self, header: &Header, data: &[u8]) -> Tar {
        self.bytes.extend_from_slice(&header.to_bytes());
        self.bytes.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.bytes.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    pub fn file(self, name: &str, data: &[u8]) -> Tar {
        self.entry(&Header::new(name, b'0', data.len() as u64), data)
    }

    pub fn exec(self, name: &str, data: &[u8]) -> Tar {
        let mut h = Header::new(name, b'0', data.len() as u64);
        h.mode = 0o755;
        self.entry(&h, data)
    }

    pub fn dir(self, name: &str) -> Tar {
        let mut h = Header::new(name, b'5', 0);
        h.mode = 0o755;
        self.entry(&h, &[])
    }

    pub fn symlink(self, name: &str, target: &str) -> Tar {
        let mut h = Header::new(name, b'2', 0);
        h.linkname = target.as_bytes().to_vec();
        self.entry(&h, &[])
    }

    /// A PAX extended header (`x`) applying `records` to the next entry.
    pub fn pax(self, records: &[(&str, &[u8])]) -> Tar {
        let mut data = Vec::new();
        for (key, value) in records {
            // "LEN KEY=VALUE\n", where LEN counts itself.
            let body = key.len() + value.len() + 3;
            let mut len = body + body.to_string().len();
            if len.to_string().len() != (len - body) {
                len += 1;
            }
            data.extend_from_slice(format!("{len} {key}=").as_bytes());
            data.extend_from_slice(value);
            data.push(b'\n');
        }
        self.entry(&Header::new("PaxHeaders/x", b'x', data.len() as u64), &data)
    }

    /// A GNU long-name record (`L`) naming the next entry.
    pub fn gnu_long_name(self, name: &[u8]) -> Tar {
        let mut h = Header::new("././@LongLink", b'L', name.len() as u64 + 1);
        h.gnu = true;
        let mut data = name.to_vec();
        data.push(0);
        self.entry(&h, &data)
    }

    pub fn raw(mut self, bytes: &[u8]) -> Tar {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The two zero blocks that end an archive.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0u8; 1024]);
        self.bytes
    }

    /// Finished and gzip'd.
    pub fn gz(self) -> Vec<u8> {
        gzip(&self.finish())
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}
