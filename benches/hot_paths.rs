//! Micro-benchmarks of the hot paths: one Apex file parsed and linted, metadata XML parsed and
//! linted, and the data-flow engine on one large class. `cargo bench --bench hot_paths`.
//! Whole-process timings against PMD are `bench/run`'s job.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sfsec::testing::{files as in_memory_unparsed, parsed};
use sfsec::workspace::config::Config;

const CLASS_PATH: &str = "force-app/main/default/classes/BillingService.cls";

/// A service class of the shape partners ship: callouts built from named credentials and
/// settings, dynamic SOQL, helpers that pass values along, and a few session IDs, one of which
/// goes to an external host. `methods` groups of four methods each.
fn large_class(methods: usize) -> String {
    let mut s = String::from(
        "public with sharing class BillingService {\n    private static final String BASE = 'callout:Billing_API';\n    private String apiKey;\n    private HttpRequest lastRequest;\n\n",
    );
    for i in 0..methods {
        let _ = write!(
            s,
            r#"    public static HttpRequest request{i}(String path, String body) {{
        HttpRequest req = new HttpRequest();
        req.setEndpoint(BASE + '/v2/' + path + '?page={i}');
        req.setMethod('POST');
        req.setHeader('Content-Type', 'application/json');
        req.setBody(body);
        return req;
    }}

    public static List<SObject> select{i}(String objectName, List<String> fields, Integer max) {{
        String soql = 'SELECT ' + String.join(fields, ',') + ' FROM ' + String.escapeSingleQuotes(objectName);
        soql += ' WHERE CreatedDate = LAST_N_DAYS:30 LIMIT ' + max;
        return Database.query(soql);
    }}

    public String payload{i}(Map<String, Object> values) {{
        Map<String, Object> body = new Map<String, Object>{{ 'values' => values, 'page' => {i} }};
        if (values.containsKey('token')) {{
            body.put('token', EncodingUtil.base64Encode(Blob.valueOf(String.valueOf(values.get('token')))));
        }}
        for (String key : values.keySet()) {{
            if (key.startsWith('x_')) {{
                body.remove(key);
            }}
        }}
        return JSON.serialize(body);
    }}

    public void sync{i}(List<Account> accounts) {{
        List<String> ids = new List<String>();
        for (Account a : accounts) {{
            ids.add(a.Id);
        }}
        String body = payload{i}(new Map<String, Object>{{ 'ids' => ids }});
"#
        );
        if i % 25 == 0 {
            let _ = writeln!(s, "        body += '&sid=' + UserInfo.getSessionId();");
        }
        let _ = write!(
            s,
            r#"        HttpRequest req = request{i}('accounts', body);
        if (Math.mod({i}, 50) == 0) {{
            req.setEndpoint('https://api.partner-billing.example.com/sync');
        }}
        lastRequest = req;
        HttpResponse res = new Http().send(req);
        if (res.getStatusCode() != 200) {{
            throw new CalloutException('Sync failed: ' + res.getStatus());
        }}
    }}

"#
        );
    }
    s.push_str("}\n");
    s
}

/// A profile with many object and field permissions (real ones run to thousands of lines) and
/// a Connected App with most OAuth problems.
fn metadata_files() -> Vec<(String, String)> {
    let mut profile = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <custom>true</custom>\n    <userLicense>Salesforce</userLicense>\n",
    );
    for i in 0..400 {
        let _ = write!(
            profile,
            "    <fieldPermissions>\n        <editable>true</editable>\n        <field>Invoice__c.Field_{i}__c</field>\n        <readable>true</readable>\n    </fieldPermissions>\n"
        );
    }
    for p in ["ApiEnabled", "ViewSetup", "UseAnyApiClient", "ModifyAllData"] {
        let _ = write!(
            profile,
            "    <userPermissions>\n        <enabled>true</enabled>\n        <name>{p}</name>\n    </userPermissions>\n"
        );
    }
    profile.push_str("</Profile>\n");
    let app = r#"<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <label>Billing Sync</label>
    <oauthConfig>
        <callbackUrl>https://billing.example.com/oauth/callback</callbackUrl>
        <isAdminApproved>false</isAdminApproved>
        <isClientCredentialEnabled>true</isClientCredentialEnabled>
        <isCodeCredentialEnabled>true</isCodeCredentialEnabled>
        <isDeviceFlowEnabled>true</isDeviceFlowEnabled>
        <isRefreshTokenRotationEnabled>false</isRefreshTokenRotationEnabled>
        <scopes>Api</scopes>
        <scopes>RefreshToken</scopes>
    </oauthConfig>
    <oauthPolicy>
        <ipRelaxation>BYPASS</ipRelaxation>
        <refreshTokenPolicy>infinite</refreshTokenPolicy>
    </oauthPolicy>
</ConnectedApp>
"#;
    vec![
        (
            "force-app/main/default/profiles/Billing Integration.profile-meta.xml".into(),
            profile,
        ),
        (
            "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml".into(),
            app.into(),
        ),
    ]
}

fn apex_file(c: &mut Criterion) {
    let text = large_class(60);
    let mut g = c.benchmark_group("apex");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| black_box(in_memory_unparsed(&[(CLASS_PATH, &text)]).parse_and_drop()));
    });
    let config = Config::default();
    let findings = in_memory_unparsed(&[(CLASS_PATH, &text)]).lint(&config, 0).findings;
    assert!(findings.iter().any(|f| f.rule == "session-id-to-external"));
    g.bench_function("parse+lint", |b| {
        b.iter(|| {
            let files = in_memory_unparsed(&[(CLASS_PATH, &text)]);
            black_box(files.lint(&config, 0).findings.len())
        });
    });
    g.finish();
}

fn xml_files(c: &mut Criterion) {
    let files = metadata_files();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut g = c.benchmark_group("xml");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| black_box(in_memory_unparsed(&refs).parse_and_drop()))
    });
    let config = Config::default();
    let findings = in_memory_unparsed(&refs).lint(&config, 0).findings;
    assert!(findings.iter().any(|f| f.rule == "use-any-api-client"));
    assert!(findings.iter().any(|f| f.rule == "oauth-device-flow"));
    g.bench_function("parse+lint", |b| {
        b.iter(|| {
            let files = in_memory_unparsed(&refs);
            black_box(files.lint(&config, 0).findings.len())
        });
    });
    g.finish();
}

fn dataflow(c: &mut Criterion) {
    let text = large_class(60);
    let project = parsed(&[(CLASS_PATH, &text)]);
    // The benchmark measures real work: the planted session ID reaches the external host.
    assert!(project.session_flows() > 0);
    let mut g = c.benchmark_group("dataflow");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("model+session", |b| {
        b.iter(|| black_box(project.session_flows()));
    });
    g.finish();
}

/// One class of `lines` lines, each method full of literals (keys, tokens, URLs): every rule
/// must stay linear in a file's size, so the throughput of each size is about the same.
fn literal_class(lines: usize) -> String {
    let mut s = String::from("public with sharing class Big {\n");
    for i in 0..lines / 4 {
        s.push_str(&format!(
            "    public static String m{i}(String s) {{\n        String k = 'AKIA{i:016}' + 'tok_{i}abcdef' + s;\n        return k + 'https://x{i}.example.com/p?a=1';\n    }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

fn class_size(c: &mut Criterion) {
    let config = Config::default();
    let mut g = c.benchmark_group("class-size");
    g.sample_size(10);
    for lines in [2_000, 4_000, 8_000, 16_000] {
        let text = literal_class(lines);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("{lines}-lines"), |b| {
            b.iter(|| {
                let files = in_memory_unparsed(&[(CLASS_PATH, &text)]);
                black_box(files.lint(&config, 0).findings.len())
            });
        });
    }
    g.finish();
}

criterion_group!(benches, apex_file, xml_files, dataflow, class_size);
criterion_main!(benches);
