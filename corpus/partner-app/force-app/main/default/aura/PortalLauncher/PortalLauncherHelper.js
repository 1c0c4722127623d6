({
    showPortal: function (cmp, session) {
        var url = 'https://portal.acme-partner.example/embed?sid=' + session;
        // The markup puts {!v.portalUrl} in an iframe src.
        // expect: session-id-to-external
        cmp.set('v.portalUrl', url);
    },

    showHelp: function (cmp, topic) {
        // ok: session-id-to-external
        cmp.set('v.helpUrl', 'https://help.acme-partner.example/' + topic);
    }
})
