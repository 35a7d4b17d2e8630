import Foundation

/// When the X.509 certificates of a file stop being valid: read from their DER encoding, with no TLS or crypto
/// library. A PEM file may hold a chain (the leaf and its intermediates); the earliest expiry of them is the one
/// that matters, as for Prometheus' `probe_ssl_earliest_cert_expiry`. A file that is DER rather than PEM holds one
/// certificate.
///
/// Only the `validity` of `tbsCertificate` is read (RFC 5280, 4.1.2.5): signatures are not checked, since the
/// question is when the kernel's own certificate lapses, not whether to trust it.
public struct CertificateValidity: Sendable, Equatable {
    /// The earliest `notBefore` of the certificates.
    public var notBefore: Date
    /// The earliest `notAfter` of the certificates: from then on at least one of them is expired.
    public var notAfter: Date
    /// How many certificates the file holds.
    public var count: Int

    /// Why a file yields no validity.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// The file cannot be read (missing, no permission): why.
        case unreadable(String)
        /// The file holds neither a PEM `CERTIFICATE` block nor DER.
        case noCertificate
        /// A certificate is there but its DER does not hold a validity where RFC 5280 puts it: what is wrong.
        case malformed(String)

        /// A phrase for the log: "cannot read it: no such file".
        public var description: String {
            switch self {
            case .unreadable(let why): "cannot read it: \(why)"
            case .noCertificate: "it holds no certificate (no PEM `CERTIFICATE` block, not DER)"
            case .malformed(let why): "its certificate is malformed: \(why)"
            }
        }
    }

    /// Reads the file at `path`.
    public static func read(path: String) -> Result<CertificateValidity, Problem> {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            return .failure(.unreadable(reason))
        }
        return parse(data)
    }

    /// The validity of the certificates in `data`, PEM or DER.
    public static func parse(_ data: Data) -> Result<CertificateValidity, Problem> {
        var ders: [[UInt8]] = []
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") {
            for block in pemBlocks(text) {
                guard let der = Data(base64Encoded: block, options: .ignoreUnknownCharacters) else {
                    return .failure(.malformed("a PEM block is not base64"))
                }
                ders.append(Array(der))
            }
        } else if data.first == 0x30 {
            ders.append(Array(data))
        }
        guard !ders.isEmpty else { return .failure(.noCertificate) }
        var result: CertificateValidity?
        for der in ders {
            switch validity(der) {
            case .failure(let problem): return .failure(problem)
            case .success(let (notBefore, notAfter)):
                var merged = result ?? CertificateValidity(notBefore: notBefore, notAfter: notAfter, count: 0)
                merged.notBefore = min(merged.notBefore, notBefore)
                merged.notAfter = min(merged.notAfter, notAfter)
                merged.count += 1
                result = merged
            }
        }
        return result.map { .success($0) } ?? .failure(.noCertificate)
    }

    /// The base64 bodies of the `CERTIFICATE` blocks, in order.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = rest[begin.upperBound...].range(of: "-----END CERTIFICATE-----")
        {
            blocks.append(String(rest[begin.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return blocks
    }

    /// `notBefore` and `notAfter` of one DER certificate.
    static func validity(_ der: [UInt8]) -> Result<(Date, Date), Problem> {
        var reader = DERReader(der)
        // Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
        guard var certificate = reader.enter(tag: 0x30), var tbs = certificate.enter(tag: 0x30) else {
            return .failure(.malformed("not a DER SEQUENCE"))
        }
        // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, ... }
        if tbs.peekTag == 0xA0 { _ = tbs.skip() }
        guard tbs.skip(tag: 0x02), tbs.skip(tag: 0x30), tbs.skip(tag: 0x30), var validity = tbs.enter(tag: 0x30)
        else { return .failure(.malformed("no validity where RFC 5280 puts it")) }
        guard let notBefore = validity.time(), let notAfter = validity.time() else {
            return .failure(.malformed("validity times are not UTCTime or GeneralizedTime"))
        }
        return .success((notBefore, notAfter))
    }
}

/// Just enough DER to walk to a certificate's validity: tag, length, contents.
struct DERReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.init(bytes, from: 0, to: bytes.count)
    }

    private init(_ bytes: [UInt8], from index: Int, to end: Int) {
        self.bytes = bytes
        self.index = index
        self.end = end
    }

    var peekTag: UInt8? { index < end ? bytes[index] : nil }

    /// The next element's tag and the range of its contents; nil when it does not fit.
    private func header() -> (tag: UInt8, contents: Range<Int>)? {
        guard index + 2 <= end else { return nil }
        let tag = bytes[index]
        var at = index + 1
        var length = Int(bytes[at])
        at += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), at + count <= end else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[at])
                at += 1
            }
        }
        guard length <= end - at else { return nil }
        return (tag, at..<(at + length))
    }

    /// Steps into the next element if it has `tag`, returning a reader of its contents.
    mutating func enter(tag: UInt8) -> DERReader? {
        guard let (found, contents) = header(), found == tag else { return nil }
        index = contents.upperBound
        return DERReader(bytes, from: contents.lowerBound, to: contents.upperBound)
    }

    /// Skips the next element; false when there is none.
    mutating func skip() -> Bool {
        guard let (_, contents) = header() else { return false }
        index = contents.upperBound
        return true
    }

    /// Skips the next element if it has `tag`.
    mutating func skip(tag: UInt8) -> Bool {
        guard peekTag == tag else { return false }
        return skip()
    }

    /// A UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), in UTC.
    mutating func time() -> Date? {
        guard let (tag, contents) = header(), tag == 0x17 || tag == 0x18 else { return nil }
        index = contents.upperBound
        let text = String(decoding: bytes[contents], as: UTF8.self)
        guard text.hasSuffix("Z") else { return nil }
        let digits = Array(text.dropLast())
        let yearDigits = tag == 0x17 ? 2 : 4
        guard digits.count == yearDigits + 10, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            return nil
        }
        func number(_ from: Int, _ count: Int) -> Int { Int(String(digits[from..<(from + count)])) ?? 0 }
        var year = number(0, yearDigits)
        if tag == 0x17 { year += year >= 50 ? 1900 : 2000 }
        var parts = DateComponents()
        parts.calendar = Calendar(identifier: .gregorian)
        parts.timeZone = TimeZone(identifier: "UTC")
        parts.year = year
        parts.month = number(yearDigits, 2)
        parts.day = number(yearDigits + 2, 2)
        parts.hour = number(yearDigits + 4, 2)
        parts.minute = number(yearDigits + 6, 2)
        parts.second = number(yearDigits + 8, 2)
        return parts.date
    }
}
