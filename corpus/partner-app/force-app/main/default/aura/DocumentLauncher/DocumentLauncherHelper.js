({
    launch: function (component, helper) {
        var service = component.find('service');
        service.callApex(component, helper, 'c.hasApiSession', {}, this.onChecked);
        service.callApex(component, helper, 'c.sessionForLwc', {}, this.onSession);
    },

    onSession: function (component, sessionId, helper) {
        var url = 'https://composer.docgen.example/launch?id=' + component.get('v.recordId') + '&sessionId=' + sessionId;
        // expect: session-id-to-external
        window.open(url, '', 'width=600,height=600');
    },

    onChecked: function (component, hasSession, helper) {
        if (!hasSession) {
            // ok: session-id-to-external
            window.open('https://help.docgen.example/setup?connected=' + hasSession);
        }
    }
})
