//! Generates realistic SFDX projects of any size, deterministically from a seed, for the
//! benchmark and the scale tests. Every generated problem is recorded, so a scan can be checked
//! for all of them. Not part of the supported API.

use std::fmt::Write as _;
use std::path::Path;

/// A problem the generator planted: where, and which rule must report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seeded {
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub rule: &'static str,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Generated {
    pub files: usize,
    pub apex_classes: usize,
    pub bytes: usize,
    pub seeded: Vec<Seeded>,
}

/// splitmix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const NOUNS: &[&str] = &[
    "Invoice",
    "Shipment",
    "Subscription",
    "Contract",
    "Payment",
    "Usage",
    "Quote",
    "Asset",
    "Renewal",
    "Ledger",
];
const VERBS: &[&str] = &[
    "sync", "load", "refresh", "publish", "archive", "score", "match", "route",
];

struct Writer<'p> {
    root: &'p Path,
    out: Generated,
}

impl Writer<'_> {
    fn file(&mut self, rel: &str, text: &str) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        self.out.files += 1;
        self.out.bytes += text.len();
        Ok(())
    }

    fn class(&mut self, name: &str, body: &str) -> std::io::Result<()> {
        self.out.apex_classes += 1;
        self.file(&format!("force-app/main/default/classes/{name}.cls"), body)?;
        self.file(
            &format!("force-app/main/default/classes/{name}.cls-meta.xml"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>64.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n",
        )
    }

    /// Records a problem on the line of `text` that contains `marker`.
    fn seed(&mut self, rel: &str, text: &str, marker: &str, rule: &'static str) {
        let line = text.lines().position(|l| l.contains(marker)).map_or(1, |i| i + 1);
        self.out.seeded.push(Seeded {
            path: rel.to_string(),
            line,
            rule,
        });
    }
}

/// Writes a project with about `classes` Apex classes (and the metadata that goes with them)
/// under `root`.
pub fn project(root: &Path, classes: usize, seed: u64) -> std::io::Result<Generated> {
    let mut w = Writer {
        root,
        out: Generated::default(),
    };
    let mut rng = Rng(seed);
    w.file(
        "sfdx-project.json",
        "{\n  \"packageDirectories\": [{ \"path\": \"force-app\", \"default\": true, \"package\": \"Generated\" }],\n  \"namespace\": \"gen\",\n  \"sourceApiVersion\": \"64.0\"\n}\n",
    )?;
    // Shared pieces every unit uses.
    w.class(
        "GenOrg",
        "public with sharing class GenOrg {\n    public static String base() {\n        return URL.getOrgDomainUrl().toExternalForm() + '/services/data/v64.0';\n    }\n    public static String session() {\n        return UserInfo.getSessionId();\n    }\n}\n",
    )?;
    // Each unit is a service, a selector, a controller and (every few units) a trigger,
    // a page, a bundle and metadata: four to five classes per unit.
    let units = classes.div_ceil(4).max(1);
    for u in 0..units {
        unit(&mut w, &mut rng, u)?;
    }
    w.out.seeded.sort();
    Ok(w.out)
}

fn unit(w: &mut Writer<'_>, rng: &mut Rng, u: usize) -> std::io::Result<()> {
    let noun = rng.pick(NOUNS);
    let verb = rng.pick(VERBS);
    let name = format!("{noun}{u}");
    let dir = "force-app/main/default";

    // A service with a callout: to this org, except every 25th unit, which sends the session
    // to a partner host.
    let external = u % 25 == 7;
    let endpoint = if external {
        format!("'https://api{u}.partner.example/v1/{verb}'")
    } else {
        "GenOrg.base() + '/limits'".to_string()
    };
    let mut svc = String::new();
    let _ = write!(
        svc,
        "public with sharing class {name}Service {{\n    public static Integer {verb}(Id recordId, Integer attempts) {{\n        HttpRequest req = new HttpRequest();\n        req.setEndpoint({endpoint});\n        req.setMethod('GET');\n        req.setHeader('Authorization', 'Bearer ' + GenOrg.session());\n        HttpResponse res = new Http().send(req); // SEND\n        Integer total = 0;\n        for (Integer i = 0; i < attempts; i++) {{\n            total += res.getStatusCode() == 200 ? 1 : 0;\n        }}\n        return total;\n    }}\n"
    );
    // Filler methods keep classes at a realistic size.
    for m in 0..(3 + rng.below(5)) {
        let _ = write!(
            svc,
            "\n    public static List<String> helper{m}(List<String> values) {{\n        List<String> out = new List<String>();\n        for (String v : values) {{\n            if (String.isNotBlank(v) && v.length() > {m}) {{\n                out.add(v.trim().toUpperCase() + '-{m}');\n            }}\n        }}\n        return out;\n    }}\n"
        );
    }
    // Every 40th unit hard-codes a key.
    let secret = u % 40 == 13;
    if secret {
        let _ = write!(
            svc,
            "\n    private static final String PARTNER_API_SECRET = 'q{u}Vn3LkP0xZr7TgW2mYs'; // SECRET\n"
        );
    }
    svc.push_str("}\n");
    let rel = format!("{dir}/classes/{name}Service.cls");
    if external {
        w.seed(&rel, &svc, "// SEND", "session-id-to-external");
    }
    if secret {
        w.seed(&rel, &svc, "// SECRET", "hardcoded-secret");
    }
    w.class(&format!("{name}Service"), &svc)?;

    // A selector with dynamic SOQL.
    let selector = format!(
        "public inherited sharing class {name}Selector {{\n    public static List<SObject> byField(String field, String value) {{\n        String soql = 'SELECT Id, Name FROM Account WHERE ' + String.escapeSingleQuotes(field) + ' = :value LIMIT 200';\n        return Database.query(soql);\n    }}\n\n    public static List<Account> recent(Integer days) {{\n        return [SELECT Id, Name, CreatedDate FROM Account WHERE CreatedDate = LAST_N_DAYS:30 ORDER BY CreatedDate DESC LIMIT 100];\n    }}\n}}\n"
    );
    w.class(&format!("{name}Selector"), &selector)?;

    // A controller; every 30th exposes the session to Lightning.
    let exposed = u % 30 == 11;
    let mut ctl = format!(
        "public with sharing class {name}Controller {{\n    @AuraEnabled(cacheable=true)\n    public static List<Account> load(Integer days) {{\n        return {name}Selector.recent(days);\n    }}\n"
    );
    if exposed {
        ctl.push_str("\n    @AuraEnabled\n    public static String token() {\n        return GenOrg.session(); // EXPOSED\n    }\n");
    }
    ctl.push_str("}\n");
    let rel = format!("{dir}/classes/{name}Controller.cls");
    if exposed {
        w.seed(&rel, &ctl, "// EXPOSED", "session-id-exposed");
    }
    w.class(&format!("{name}Controller"), &ctl)?;

    // A test class (never reported).
    w.class(
        &format!("{name}ServiceTest"),
        &format!(
            "@IsTest\nprivate class {name}ServiceTest {{\n    @IsTest\n    static void counts() {{\n        System.assertEquals(0, {name}Service.helper0(new List<String>()).size());\n        System.debug(UserInfo.getSessionId());\n    }}\n}}\n"
        ),
    )?;

    if u.is_multiple_of(5) {
        page_trigger_and_card(w, &name, noun, u)?;
    }
    if u.is_multiple_of(10) {
        app_setting_and_permissions(w, &name, verb, u)?;
    }
    Ok(())
}

/// Every 5th unit: a trigger, a Visualforce page that puts the session in a link to this org, and
/// an LWC card.
fn page_trigger_and_card(w: &mut Writer<'_>, name: &str, noun: &str, u: usize) -> std::io::Result<()> {
    let dir = "force-app/main/default";
    let trigger = format!(
        "trigger {name}Trigger on Account (before insert, before update) {{\n    for (Account a : Trigger.new) {{\n        a.Description = String.valueOf(a.Name).left(80);\n    }}\n}}\n"
    );
    w.file(&format!("{dir}/triggers/{name}Trigger.trigger"), &trigger)?;
    w.file(
        &format!("{dir}/triggers/{name}Trigger.trigger-meta.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexTrigger xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>64.0</apiVersion>\n    <status>Active</status>\n</ApexTrigger>\n",
    )?;
    w.out.apex_classes += 1;
    let page = format!(
        "<apex:page controller=\"{name}Controller\" showHeader=\"false\">\n    <apex:outputLink value=\"{{!$Api.Partner_Server_URL_640}}&sid={{!$Api.Session_ID}}\">API</apex:outputLink>\n</apex:page>\n"
    );
    w.file(&format!("{dir}/pages/{name}Page.page"), &page)?;
    let lwc = format!(
        "import {{ LightningElement, api }} from 'lwc';\nimport load from '@salesforce/apex/{name}Controller.load';\n\nexport default class {name}Card extends LightningElement {{\n    @api days = 30;\n    async connectedCallback() {{\n        this.rows = await load({{ days: this.days }});\n    }}\n}}\n"
    );
    let bundle = format!("{}{}Card", noun[..1].to_ascii_lowercase(), &format!("{noun}{u}")[1..]);
    w.file(&format!("{dir}/lwc/{bundle}/{bundle}.js"), &lwc)?;
    Ok(())
}

/// Every 10th unit: a Connected App, a protected setting with an API key, a permission set.
fn app_setting_and_permissions(w: &mut Writer<'_>, name: &str, verb: &str, u: usize) -> std::io::Result<()> {
    let dir = "force-app/main/default";
    // A Connected App; every 20th enables the device flow.
    let device = u.is_multiple_of(20);
    let flag = if device {
        "        <isDeviceFlowEnabled>true</isDeviceFlowEnabled>\n"
    } else {
        ""
    };
    let app = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <contactEmail>ops@example.com</contactEmail>\n    <label>{name} App</label>\n    <oauthConfig>\n        <callbackUrl>https://{verb}.example.com/oauth/callback</callbackUrl>\n{flag}        <isAdminApproved>true</isAdminApproved>\n        <isPkceRequired>true</isPkceRequired>\n        <scopes>Api</scopes>\n    </oauthConfig>\n    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n    </oauthPolicy>\n</ConnectedApp>\n"
    );
    let rel = format!("{dir}/connectedApps/{name}_App.connectedApp-meta.xml");
    if device {
        w.seed(&rel, &app, "isDeviceFlowEnabled", "oauth-device-flow");
    }
    w.file(&rel, &app)?;

    // A protected custom setting with an API key field (to disclose).
    let obj = format!("{name}_Settings__c");
    w.file(
        &format!("{dir}/objects/{obj}/{obj}.object-meta.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <customSettingsType>Hierarchy</customSettingsType>\n    <label>Settings</label>\n    <visibility>Protected</visibility>\n</CustomObject>\n",
    )?;
    let field = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Api_Key__c</fullName>\n    <label>API Key</label>\n    <length>255</length>\n    <type>Text</type>\n</CustomField>\n";
    let rel = format!("{dir}/objects/{obj}/fields/Api_Key__c.field-meta.xml");
    w.seed(&rel, field, "<fullName>", "protected-setting-secret");
    w.file(&rel, field)?;

    // A permission set; every 50th grants Use Any API Client.
    let perm = if u.is_multiple_of(50) {
        "UseAnyApiClient"
    } else {
        "ApiEnabled"
    };
    let ps = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PermissionSet xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>{name} Users</label>\n    <userPermissions>\n        <enabled>true</enabled>\n        <name>{perm}</name>\n    </userPermissions>\n</PermissionSet>\n"
    );
    let rel = format!("{dir}/permissionsets/{name}_Users.permissionset-meta.xml");
    if perm == "UseAnyApiClient" {
        w.seed(&rel, &ps, "<name>UseAnyApiClient", "use-any-api-client");
    }
    w.file(&rel, &ps)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = tempfile::tempdir().expect("dir");
        let b = tempfile::tempdir().expect("dir");
        let ga = project(a.path(), 200, 7).expect("gen");
        let gb = project(b.path(), 200, 7).expect("gen");
        assert_eq!(ga.seeded, gb.seeded);
        assert_eq!(ga.bytes, gb.bytes);
        assert!((200..=280).contains(&ga.apex_classes), "{}", ga.apex_classes);
        let read =
            |d: &Path| std::fs::read_to_string(d.join("force-app/main/default/classes/GenOrg.cls")).unwrap_or_default();
        assert_eq!(read(a.path()), read(b.path()));
        assert!(!ga.seeded.is_empty());
    }
}
