({
    open: function (component, event, helper) {
        var action = component.get('c.sessionForLwc');
        action.setCallback(this, function (response) {
            if (response.getState() === 'SUCCESS') {
                var sid = response.getReturnValue();
                // expect: session-id-to-external
                window.open('https://portal.acme-partner.example/launch?sid=' + encodeURIComponent(sid));
            }
        });
        $A.enqueueAction(action);
    }
})
