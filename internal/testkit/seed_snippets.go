package testkit

// The user docs' "Expression policies with invitations" snippets
// (shared/reference/invitations.md): each one as its author meant it
// (properly indented), and the whole block as the page prints it, with the
// indentation lost. Tests of the policy engine and of flows run them.
const (
	SeedInvited = `# Check if user was invited
return context.get('invitation_in_effect', False)`
	SeedDepartment = `# Access invitation data
invitation = context.get('invitation')
if invitation:
    return invitation.fixed_data.get('department') == 'Engineering'`
	SeedEmail = `# Access pre-filled prompt data
prompt_data = context.get('prompt_data', {})
return prompt_data.get('email', '').endswith('@example.com')`
	SeedAsPrinted = `# Check if user was invited
return context.get('invitation_in_effect', False)
# Access invitation data
invitation = context.get('invitation')
if invitation:
return invitation.fixed_data.get('department') == 'Engineering'
# Access pre-filled prompt data
prompt_data = context.get('prompt_data', {})
return prompt_data.get('email', '').endswith('@example.com')`
)
