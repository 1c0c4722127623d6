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
    },

    embed: function (component, event, helper) {
        var action = component.get('c.sessionForLwc');
        action.setCallback(this, $A.getCallback(function (response) {
            helper.showPortal(component, response.getReturnValue());
        }));
        $A.enqueueAction(action);
        helper.showHelp(component, 'getting-started');
    }
})
