({
    init: function (component, event, helper) {
        helper.launch(component, helper);
    }
})
