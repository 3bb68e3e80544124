//! IAM policy documents as IAM returns them: GetRole's `AssumeRolePolicyDocument` is
//! URL-encoded (RFC 3986, IAM API reference, `Role`), and the SDK does not decode it.

use serde_json::Value;

/// The document as JSON, whether IAM sent it URL-encoded (as it does) or plain.
pub fn parse_policy_document(raw: &str) -> Result<Value, String> {
    if let Ok(document) = serde_json::from_str(raw) {
        return Ok(document);
    }
    let decoded = percent_decode(raw)?;
    serde_json::from_str(&decoded).map_err(|err| format!("the policy document is not JSON: {err}"))
}

/// `%XX` sequences decoded as UTF-8 bytes; every other character kept (`+` included: RFC 3986).
fn percent_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok());
            let byte = hex
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("the policy document has a bad %-escape at character {index}"))?;
            out.push(byte);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the policy document is not UTF-8 once decoded".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_and_plain_documents_parse_the_same() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a b+c","Effect":"Allow"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22a%20b+c%22%2C%22Effect%22%3A%22Allow%22%7D%5D%7D";
        assert_eq!(parse_policy_document(encoded).unwrap(), parse_policy_document(plain).unwrap());
        assert_eq!(parse_policy_document(encoded).unwrap()["Statement"][0]["Sid"], "a b+c");
        assert!(parse_policy_document("%C3%A9%22").unwrap_err().starts_with("the policy document is not JSON"));
        assert!(parse_policy_document("%7").unwrap_err().contains("bad %-escape"));
        assert!(parse_policy_document("%FF").unwrap_err().contains("UTF-8"));
    }
}
