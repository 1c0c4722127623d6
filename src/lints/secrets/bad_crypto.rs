//! Cryptography that protects nothing: a key or IV every copy of the code shares, a key any
//! user can read, a digest or signature algorithm with known collisions.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use tree_sitter::Node;

use crate::dataflow::apex::owned::{Resolver, RichText};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::secrets::settings::crypto_key_index;
use crate::syntax::apex::{for_each_call, qualifier, string_content};
use crate::syntax::tree::arguments;
use crate::workspace::kind::FileKind;

declare_lint!(BadCrypto = "bad-crypto");

/// Words a candidate file holds (any case): only those files are parsed again.
static WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    crate::syntax::apex::words_matcher([
        "crypto.encrypt",
        "crypto.decrypt",
        "crypto.generatemac",
        "crypto.sign",
        "crypto.generatedigest",
    ])
});

impl Lint for BadCrypto {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(words) = WORDS.as_ref() else { return };
        let rich = RichText::default();
        for (id, file) in cx.project.files.iter().enumerate() {
            if file.kind == FileKind::Apex && words.is_match(&file.text) {
                check_file(id, &file.text, &rich, out);
            }
        }
        public_keys(cx, out);
    }
}

fn check_file(file: FileId, text: &str, rich: &RichText, out: &mut Vec<Finding>) {
    // One finding per fixed value, however many calls use it: the fix is where it is written.
    let mut fixed: BTreeMap<(usize, usize), (String, &'static str, std::ops::Range<usize>)> = BTreeMap::new();
    let mut timed: std::collections::BTreeSet<(usize, usize)> = std::collections::BTreeSet::new();
    for_each_call(text, |call, name| {
        if !qualifier(call, text).to_ascii_lowercase().ends_with("crypto") {
            return;
        }
        let args = arguments(call);
        let resolver = Resolver::new(call, text, rich);
        let written = call.child_by_field_name("name").map_or("", |n| &text[n.byte_range()]);
        let mut constant = |arg: Option<&Node<'_>>, what: &'static str| {
            if let Some(arg) = arg
                && let Some(at) = resolver.fixed(*arg, 0)
            {
                fixed
                    .entry((at.start_byte(), at.end_byte()))
                    .or_insert_with(|| (format!("Crypto.{written}"), what, arg.byte_range()));
            }
        };
        if let Some(k) = crypto_key_index(name) {
            constant(args.get(k as usize), "key");
        }
        // `encrypt(alg, key, iv, data)`: the IV is the third; the managed-IV variants have none.
        if matches!(name, "encrypt" | "decrypt") && args.len() == 4 {
            constant(args.get(2), "initialization vector");
            // Only where the code encrypts: decrypting takes the IV the message came with.
            if name == "encrypt"
                && let Some(iv) = args.get(2)
                && resolver.fixed(*iv, 0).is_none()
                && let Some(at) = from_the_clock(&resolver, *iv, 0)
                    .filter(|(_, clock)| *clock)
                    .map(|(at, _)| at)
                && timed.insert((at.start_byte(), at.end_byte()))
            {
                out.push(
                    Finding::new(
                        ID,
                        file,
                        at.byte_range(),
                        format!(
                            "`Crypto.{written}`'s initialization vector is built from the time: `{}`, which an attacker can guess",
                            crate::diagnostics::finding::excerpt(&text[at.byte_range()], 60)
                        ),
                    )
                    .label(file, iv.byte_range(), "the initialization vector")
                    .help("use `Crypto.encryptWithManagedIV` (a random IV for each message), or `Crypto.generateAesKey(128)` \
                           for each message and send the IV with it"),
                );
            }
        }
        if let Some(finding) = weak_algorithm(call, name, &args, &resolver, text, file) {
            out.push(finding);
        }
    });
    for ((start, end), (call, what, used)) in fixed {
        let shown = crate::diagnostics::finding::excerpt(&text[start..end], 60);
        out.push(
            Finding::new(
                ID,
                file,
                start..end,
                format!("`{call}`'s {what} is fixed in the code, the same in every copy of it: `{shown}`"),
            )
            .label(file, used, format!("the {what} of `{call}`"))
            .help(if what == "key" {
                "generate the key (`Crypto.generateAesKey`) and keep it in a protected custom setting or custom metadata \
                 type, or use Shield Platform Encryption"
            } else {
                "use `Crypto.encryptWithManagedIV` (a random IV for each message), or `Crypto.generateAesKey(128)` for \
                 each message and send the IV with it"
            }),
        );
    }
}

/// Where a value is built only from literals and the clock (`'123' + System.currentTimeMillis()`,
/// `Blob.valueOf(String.valueOf(Datetime.now().getTime()))`), through locals and fields of the
/// file: the expression to point at, and whether the clock is in it.
fn from_the_clock<'t>(resolver: &Resolver<'t>, e: Node<'t>, depth: u16) -> Option<(Node<'t>, bool)> {
    if depth > 6 * crate::dataflow::apex::owned::HOP {
        return None;
    }
    let text = resolver.text;
    match e.kind() {
        "string_literal" | "int" => Some((e, false)),
        "parenthesized_expression" | "cast_expression" => {
            let inner = e.named_child(e.named_child_count().saturating_sub(1) as u32)?;
            from_the_clock(resolver, inner, depth + 1)
        }
        "binary_expression" => {
            let (_, l) = from_the_clock(resolver, e.child_by_field_name("left")?, depth + 1)?;
            let (_, r) = from_the_clock(resolver, e.child_by_field_name("right")?, depth + 1)?;
            Some((e, l || r))
        }
        "method_invocation" => {
            let name = e
                .child_by_field_name("name")
                .map_or(String::new(), |n| text[n.byte_range()].to_ascii_lowercase());
            if matches!(
                name.as_str(),
                "currenttimemillis" | "now" | "today" | "gettime" | "nanotime"
            ) {
                return Some((e, true));
            }
            // Conversions and text methods keep what they are given.
            let converts = matches!(
                name.as_str(),
                "valueof"
                    | "tostring"
                    | "format"
                    | "base64encode"
                    | "base64decode"
                    | "converttohex"
                    | "left"
                    | "right"
                    | "substring"
            );
            let mut clock = false;
            for part in e.child_by_field_name("object").into_iter().chain(arguments(e)) {
                let (_, c) = from_the_clock(resolver, part, depth + 1)?;
                clock |= c;
            }
            (converts || clock).then_some((e, clock))
        }
        "identifier" => {
            // `System`, `Datetime`: a class a time call is made on.
            if e.parent()
                .is_some_and(|p| p.kind() == "method_invocation" && p.child_by_field_name("object") == Some(e))
            {
                return Some((e, false));
            }
            // The value that brings the clock is what to point at.
            let values = resolver.values_seen_from(e).ok()?;
            let mut found: Option<(Node<'t>, bool)> = None;
            for v in &values {
                let r = Resolver::new(*v, text, resolver.rich);
                let (at, clock) = from_the_clock(&r, *v, depth + crate::dataflow::apex::owned::HOP)?;
                if found.is_none_or(|(_, c)| clock && !c) {
                    found = Some((at, clock));
                }
            }
            found
        }
        _ => None,
    }
}

/// `MD5` or `SHA1` where collisions matter: a signature (`Crypto.sign('RSA-SHA1', ...)`; `RSA`
/// alone is RSA with SHA-1), or a digest of a password or secret.
fn weak_algorithm(
    call: Node<'_>,
    name: &str,
    args: &[Node<'_>],
    resolver: &Resolver<'_>,
    text: &str,
    file: FileId,
) -> Option<Finding> {
    let alg_node = *args.first()?;
    let lit = resolver.fixed(alg_node, 0).filter(|n| n.kind() == "string_literal")?;
    let (alg, _) = string_content(lit, text)?;
    let alg = alg.trim().to_ascii_uppercase();
    let message = match name {
        "sign" | "signwithcertificate" | "signxml" if matches!(alg.as_str(), "RSA" | "RSA-SHA1") => {
            format!(
                "`Crypto.{}` signs with SHA-1 (`{alg}`), whose collisions let another document carry the same signature",
                written(call, text)
            )
        }
        "generatedigest" if matches!(alg.as_str(), "MD5" | "SHA1" | "SHA-1") => {
            let input = args.get(1)?;
            let secret = secret_named(*input, text)?;
            format!("`{secret}` is hashed with {alg}, which is fast to reverse by brute force and has known collisions")
        }
        _ => return None,
    };
    Some(
        Finding::new(ID, file, alg_node.byte_range(), message)
            .help("use `RSA-SHA256` (or `ECDSA-SHA256`) to sign, and `SHA-256`/`SHA-512` with a per-user salt, or better a platform credential, for secrets"),
    )
}

fn written<'s>(call: Node<'_>, text: &'s str) -> &'s str {
    call.child_by_field_name("name").map_or("", |n| &text[n.byte_range()])
}

/// The first name in `e` (a variable, field or method) that names a credential.
fn secret_named<'s>(e: Node<'_>, text: &'s str) -> Option<&'s str> {
    let mut found = None;
    let mut cursor = e.walk();
    let mut stack = vec![e];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            let name = &text[n.byte_range()];
            if crate::semantic::secrets::credential_name(name).is_some() {
                found = Some(name);
                break;
            }
        }
        if n.kind() != "string_literal" {
            stack.extend(n.named_children(&mut cursor));
        }
    }
    found
}

/// A key read from a custom setting or custom metadata type any user can read: the per-file
/// pass found the reads and how the code uses them (see
/// [`crate::semantic::secrets::settings::field_reads`]).
fn public_keys(cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let settings = crate::lints::secrets::settings(cx);
    for (id, file) in cx.project.files.iter().enumerate() {
        for read in &file.field_reads {
            let Some(how) = read.credential.as_deref().filter(|h| h.contains("key for `Crypto.")) else {
                continue;
            };
            let Some(object) = settings
                .objects
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(&read.owner) && !o.is_protected())
            else {
                continue;
            };
            let shown = file.text.get(read.span.clone()).unwrap_or("?");
            out.push(
                Finding::new(
                    ID,
                    id,
                    read.span.clone(),
                    format!(
                        "`{shown}` is the key of `Crypto.{}`, read from `{}`, a public {}: any user of the org can read it",
                        how.split("`Crypto.").nth(1).and_then(|r| r.split('`').next()).unwrap_or("?"),
                        object.name,
                        object.kind.describe()
                    ),
                )
                .label(object.file, object.span.clone(), "visibility set here (see public-setting-secret)")
                .help("make the setting protected (in a managed package) or keep the key in a protected custom metadata type"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{auth_class, run_case};

    fn method(body: &str) -> Vec<crate::lints::test_support::Hit> {
        run_case(
            "bad-crypto",
            &auth_class(&format!(
                "  void go(Blob data, Blob given, String password) {{\n    {body}\n  }}"
            )),
        )
    }

    #[test]
    fn fixed_keys_and_ivs() {
        // Literal IV through a local; generated key.
        let hits = method(
            "Blob iv = Blob.valueOf('0000000000000000');\n    Blob key = Crypto.generateAesKey(128);\n    Crypto.encrypt('AES128', key, iv, data);",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "Blob.valueOf('0000000000000000')");
        // Inline key; managed IV.
        let hits = method("Crypto.encryptWithManagedIV('AES128', EncodingUtil.base64Decode('c2VjcmV0'), data);");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        // Both fixed: two findings; one value used by two calls: one.
        assert_eq!(
            method(
                "Blob k = Blob.valueOf('k'); Blob iv = Blob.valueOf('i');\n    Crypto.encrypt('AES128', k, iv, data);"
            )
            .len(),
            2
        );
        assert_eq!(
            method("Blob k = Blob.valueOf('k');\n    Crypto.encryptWithManagedIV('AES128', k, data);\n    Crypto.decryptWithManagedIV('AES128', k, data);").len(),
            1
        );
        // MAC and signing keys count too.
        assert_eq!(
            method("Crypto.generateMac('hmacSHA256', data, Blob.valueOf('shared'));").len(),
            1
        );
        // Look-alikes: a parameter, a generated key, a local given a call's value, the data.
        assert!(method("Crypto.encrypt('AES128', given, Crypto.generateAesKey(128), data);").is_empty());
        assert!(
            method("Blob k = Blob.valueOf(password);\n    Crypto.encryptWithManagedIV('AES128', k, data);").is_empty()
        );
        assert!(method("Crypto.encryptWithManagedIV('AES128', given, Blob.valueOf('hello'));").is_empty());
        assert!(
            method("Blob k = Blob.valueOf('k');\n    k = given;\n    Crypto.encryptWithManagedIV('AES128', k, data);")
                .is_empty()
        );
    }

    #[test]
    fn fixed_key_in_a_constant() {
        let hits = run_case(
            "bad-crypto",
            &auth_class(
                "  private static final Blob KEY = Blob.valueOf('0123456789abcdef');\n  Blob seal(Blob data) { return Crypto.encryptWithManagedIV('AES128', KEY, data); }\n  Blob open(Blob data) { return Crypto.decryptWithManagedIV('AES128', KEY, data); }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "Blob.valueOf('0123456789abcdef')");
    }

    #[test]
    fn ivs_built_from_the_clock() {
        let hits = method(
            "Blob iv = Blob.valueOf('123' + String.valueOf(System.currentTimeMillis()));\n    Crypto.encrypt('AES256', given, iv, data);",
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(
            hits[0].text,
            "Blob.valueOf('123' + String.valueOf(System.currentTimeMillis()))"
        );
        assert!(hits[0].message.contains("built from the time"), "{}", hits[0].message);
        // A random IV, an IV mixed with a parameter, and decryption (the message's own IV).
        assert!(method("Crypto.encrypt('AES256', given, Crypto.generateAesKey(128), data);").is_empty());
        assert!(
            method("Blob iv = Blob.valueOf(password + System.now());\n    Crypto.encrypt('AES256', given, iv, data);")
                .is_empty()
        );
        assert!(method("Blob iv = Blob.valueOf('' + System.currentTimeMillis());\n    Crypto.decrypt('AES256', given, iv, data);").is_empty());
    }

    #[test]
    fn weak_algorithms() {
        assert_eq!(method("Crypto.sign('RSA-SHA1', data, given);").len(), 1);
        assert_eq!(method("Crypto.sign('RSA', data, given);").len(), 1);
        assert!(method("Crypto.sign('RSA-SHA256', data, given);").is_empty());
        assert_eq!(method("Crypto.generateDigest('MD5', Blob.valueOf(password));").len(), 1);
        // A checksum of data is not a password's hash.
        assert!(method("Crypto.generateDigest('MD5', data);").is_empty());
        assert!(method("Crypto.generateDigest('SHA-256', Blob.valueOf(password));").is_empty());
    }

    #[test]
    fn keys_in_public_settings() {
        use crate::lints::test_support::{setting_field, setting_object};
        const OBJ: &str = "force-app/main/default/objects/Acme_Settings__c/Acme_Settings__c.object-meta.xml";
        let case = |vis: &str| {
            let mut files = auth_class(
                "  Blob seal(Blob data) {\n    Blob key = EncodingUtil.base64Decode(Acme_Settings__c.getOrgDefaults().Aes_Key__c);\n    return Crypto.encryptWithManagedIV('AES256', key, data);\n  }",
            );
            files.push((
                OBJ,
                setting_object(vis, "<customSettingsType>Hierarchy</customSettingsType>"),
            ));
            files.push(setting_field("Aes_Key__c", "Text"));
            run_case("bad-crypto", &files)
        };
        let hits = case("Public");
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "Acme_Settings__c.getOrgDefaults().Aes_Key__c");
        assert!(case("Protected").is_empty());
    }

    #[test]
    fn tests_are_left_out() {
        let hits = run_case(
            "bad-crypto",
            &[(
                "force-app/main/default/classes/CryptoTest.cls",
                "@IsTest\nprivate class CryptoTest {\n  @IsTest static void go() { Crypto.encryptWithManagedIV('AES128', Blob.valueOf('k'), Blob.valueOf('d')); }\n}\n".to_string(),
            )],
        );
        assert!(hits.is_empty(), "{hits:#?}");
    }
}
