#[test]
fn probe() {
    for f in ["/tmp/pwg/db-hygiene.rst", "/tmp/pwg/ask-openstack-update.rst"] {
        match osops_index::need::import::import_file(std::path::Path::new(f)) {
            Ok(i) => { println!("{}\nnotes {:?}", serde_json::to_string_pretty(&i.records[0]).unwrap(), i.notes); println!("{}", i.records[0].problem); }
            Err(e) => println!("ERR {e:?}"),
        }
    }
}
