// Package flow runs authentik-style flows: a planner turns a flow's stage
// bindings into a plan, and an executor walks the plan one stage at a time.
// The JSON executor API (/api/v3/flows/executor/<slug>/) and the HTML flow
// pages (internal/http/flowpage) are two front-ends over the same Executor.
//
// # State
//
// Everything a running flow knows lives in the database-backed session, so
// any instance can serve the next request and a restart loses nothing:
//
//   - "flow_plan": the Plan as JSON: {flow_pk, bindings, markers, context}.
//     bindings are the stage bindings still to run (first = current),
//     markers say per binding whether its policies are re-evaluated before
//     it runs, context is the plan context (prompt_data, pending_user as a
//     user pk, invitation as an invitation UUID, invitation_in_effect,
//     redirect, ...).
//   - "flow_get": the wrapped query string of the flow (the executor's
//     ?query= parameter, or the page's own query string). The invitation
//     stage reads itoken/token from it and the finish step reads next.
//
// # One request
//
//  1. Load the flow by slug (404 when unknown). A plan for another flow is
//     dropped. The wrapped query is saved.
//  2. No plan: plan the flow (planner.go): the authentication requirement,
//     flow-level policies, then the bindings by order; a binding with
//     evaluate_on_plan runs its policies now and is left out when they
//     fail; re_evaluate_policies attaches a re-evaluate marker. A link that
//     carries itoken into a flow without an invitation stage is refused
//     here, so an invitee never enrolls silently without their invitation.
//     There is no plan cache (authentik keeps one for 300 s): the
//     configuration the planner reads (flow, bindings, stages, policies) is
//     kept in memory across requests but checked against the database's
//     config version on every request (config_cache.go), so binding edits
//     apply to the next flow started at once, on every instance.
//  3. Take the first binding; a re-evaluate marker runs its policies again
//     and drops the binding when they fail. The stage's view (registered per
//     stage kind with RegisterStage) answers GET with a challenge and POST
//     with passed, invalid (stage_invalid) or the challenge again with
//     response_errors. Stages without a UI pass on either method.
//  4. Passed: the binding is removed and, if more remain, the client is sent
//     back to the same URL (302 for the API, as authentik does; 303 for the
//     pages after a POST, while a page GET runs on through stages that pass
//     at once: Request.RunThrough). Nothing left: finish. Invalid: restart when the binding asks for it, else the plan
//     is dropped and the client gets ak-stage-access-denied.
//     A session with no row yet (nothing answered) stores no plan for a
//     stage that passed without an answer and is rebuilt from the query
//     (Rebuildable: the invitation stage): such stages are run through on
//     both front-ends, and every request plans again and passes them again
//     before the stage the client answers (rebuild.go).
//  5. Finish: redirect to context["redirect"], else next from the wrapped
//     query, else "/"; a target httpx.LocalRedirect refuses (not a path on
//     this origin once cleaned as it is sent) falls back to "/".
//     An invitation still in effect that no user write stage consumed is
//     consumed here.
//
// # Links that resume a flow
//
// A request whose query carries flow_token (a link from the email stage or
// an administrator's recovery link) takes its plan from the flow_tokens row
// instead of planning (flowtoken.go), unless the session already runs that
// plan. Opening the link uses nothing; the token is consumed with the work
// it allows (the user write or login stage, else the finish step), in one
// conditional UPDATE, so exactly one browser finishes a link.
//
// # Single use
//
// Unlike authentik, the invitation stage consumes nothing. The user write
// stage calls Store.ConsumeInvitation in the same transaction that creates
// the account (Execution.ConsumeInvitation), so opening a link twice, a link
// preview or an abandoned attempt uses nothing, and of many racing
// enrollments on a single-use invitation exactly one commits.
package flow
